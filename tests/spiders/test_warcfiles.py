import random
import subprocess
import sys
from io import BytesIO
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.recordbuilder import RecordBuilder
from warcio.statusandheaders import StatusAndHeaders

from spiders.warcfiles import RotatingWarcWriter

WARCIO = str(Path(sys.executable).with_name("warcio"))


def response(i: int, size: int = 4000):
    body = random.Random(i).randbytes(size)   # incompressible, so each file fills up
    headers = StatusAndHeaders("200 OK", [("Content-Type", "text/plain")], protocol="HTTP/1.1")
    return RecordBuilder(warc_version="1.1").create_warc_record(
        f"http://127.0.0.1/{i}", "response", payload=BytesIO(body), length=len(body), http_headers=headers)


def test_rotates_names_and_passes_warcio_check(tmp_path):
    writer = RotatingWarcWriter(tmp_path, "demo", {"software": "test"}, max_bytes=3000, hostname="host-1")
    locations = [writer.write(response(i))[0] for i in range(5)]
    files = writer.close()
    assert len(files) == 5                                   # each record filled a file past 3000 bytes
    assert not list(tmp_path.glob("*.open"))
    for serial, path in enumerate(files):
        assert path.name.startswith("demo-") and path.name.endswith(f"-{serial:05d}-host_1.warc.gz")
        assert len(path.name.split("-")[1]) == 14            # YYYYMMDDhhmmss
        subprocess.run([WARCIO, "check", str(path)], check=True, capture_output=True)
        with open(path, "rb") as fh:
            types = [r.rec_type for r in ArchiveIterator(fh)]
        assert types == ["warcinfo", "response"]
    for loc, path in zip(locations, files):
        assert loc.filename == path.name
        with open(path, "rb") as fh:
            fh.seek(loc.offset)
            member = fh.read(loc.length)
        record = next(iter(ArchiveIterator(BytesIO(member))))
        assert record.rec_type == "response"
        assert record.format == "warc" and record.rec_headers.protocol == "WARC/1.1"


def test_pairs_stay_in_one_file(tmp_path):
    writer = RotatingWarcWriter(tmp_path, "demo", {}, max_bytes=10)
    first = writer.write(response(1), response(2))
    files = writer.close()
    assert len(files) == 1 and {loc.filename for loc in first} == {files[0].name}
    assert first[1].offset == first[0].offset + first[0].length


def test_open_file_is_not_visible_as_finished(tmp_path):
    writer = RotatingWarcWriter(tmp_path, "demo", {}, max_bytes=10**9)
    writer.write(response(1))
    assert not list(tmp_path.glob("*.warc.gz")) and len(list(tmp_path.glob("*.warc.gz.open"))) == 1
    writer.close()
    assert len(list(tmp_path.glob("*.warc.gz"))) == 1
