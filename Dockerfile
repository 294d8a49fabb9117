# The newsarchive Airflow image: the official Airflow image plus this project
# (newsarchive, spiders, pipelines, dags, demosite), installed with the versions pinned in requirements.lock.
#
#   docker compose build            # or: docker build -t newsarchive-airflow .
FROM apache/airflow:3.3.2-python3.11

# /opt/newsarchive belongs to the airflow user and group 0 (group-writable), as the
# base image does for its own folders, so the image also runs under an arbitrary UID.
USER root
RUN mkdir -p /opt/newsarchive/staging \
 && chown -R airflow:0 /opt/newsarchive \
 && chmod -R g+rwX /opt/newsarchive
USER airflow

# 1. Dependencies. Only the project metadata and the lock are present here, so this
#    (slow) layer is rebuilt only when pyproject.toml or requirements.lock change.
#    The lock is the whole resolved set (overrides.txt applied: pywb's redis and fakeredis
#    pins are overridden for the Celery broker), so it installs as it is, without re-resolving.
#    apache-airflow stays at the base image's version: the lock pins the same one,
#    and a mismatch fails the build instead of replacing Airflow.
COPY --chown=airflow:0 pyproject.toml requirements.lock /opt/newsarchive/
RUN grep -qx "apache-airflow==${AIRFLOW_VERSION}" /opt/newsarchive/requirements.lock \
 && pip install --no-cache-dir --no-deps -r /opt/newsarchive/requirements.lock \
 && pip install --no-cache-dir --no-deps -c /opt/newsarchive/requirements.lock /opt/newsarchive \
 && rm -rf /opt/newsarchive/build /opt/newsarchive/*.egg-info

# 2. The project itself (its dependencies are already in place).
COPY --chown=airflow:0 newsarchive /opt/newsarchive/newsarchive
COPY --chown=airflow:0 spiders /opt/newsarchive/spiders
COPY --chown=airflow:0 pipelines /opt/newsarchive/pipelines
COPY --chown=airflow:0 dags /opt/newsarchive/dags
COPY --chown=airflow:0 demosite /opt/newsarchive/demosite
RUN pip install --no-cache-dir --no-deps --force-reinstall /opt/newsarchive \
 && rm -rf /opt/newsarchive/build /opt/newsarchive/*.egg-info

# Fail the build, not the first task, if a package the stack needs is missing or broken:
# the Celery executor and the FAB auth manager come with the base image.
RUN AIRFLOW_HOME=/tmp/airflow-build-check python -c "\
import airflow.providers.celery.executors.celery_executor, \
airflow.providers.fab.auth_manager.fab_auth_manager, \
pipelines.run.steps, spiders.crawl" \
 && newsarchive --help > /dev/null \
 && rm -rf /tmp/airflow-build-check

ENV AIRFLOW__CORE__DAGS_FOLDER=/opt/newsarchive/dags \
    NEWSARCHIVE_STAGING_DIR=/opt/newsarchive/staging
WORKDIR /opt/airflow
