# Stand-in for the official python:*-slim image (no registry here): Debian bookworm's Python 3.11 where
# the official image keeps its interpreter (/usr/local/bin/python). Base: the debootstrapped root.
ARG BASE
FROM ${BASE}
RUN ln -s /usr/bin/python3 /usr/local/bin/python
ENV LANG=C.UTF-8
CMD ["python"]
