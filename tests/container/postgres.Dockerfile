# Stand-in for the official postgres image (no registry here): Debian bookworm's PostgreSQL 15 and an
# entrypoint honouring POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB. Base: the debootstrapped root.
ARG BASE
FROM ${BASE}
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data LANG=C.UTF-8
VOLUME /var/lib/postgresql/data
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
