# A learner's single-user server as an image: the Go kernel, Go, our JupyterLab and the
# lessons, on Debian 12. Zero to JupyterHub runs it with its CMD (workshop/z2jh-values.yaml);
# Binder builds this file with repo2docker and runs it with `jupyter-notebook ...`.
#
# Not built by CI (its machines have no container engine). Each step is a project script
# CI runs on a fresh machine: `.ci/deps` and `make workshop-install`, and
# workshop/test/image.test.mjs runs this file's RUN steps into a temporary prefix, then
# starts the server with this file's ENV, ENTRYPOINT and user, as Binder would.
# See workshop/README.md.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY . .
RUN .ci/deps lab && make workshop-install DEST=/opt/gokernel

FROM debian:bookworm-slim
COPY .ci/deps /tmp/deps
RUN /tmp/deps singleuser && rm -rf /var/lib/apt/lists/* /tmp/deps
# Go's sources: Shift-Tab's doc comments.
COPY --from=build /usr/local/go /usr/local/go
COPY --from=build /opt/gokernel /opt/gokernel
ENV PATH=/opt/gokernel/bin:/usr/local/go/bin:$PATH \
    GOROOT=/usr/local/go \
    JUPYTER_PATH=/opt/gokernel/share/jupyter \
    JUPYTER_CONFIG_PATH=/opt/gokernel/etc/jupyter \
    PYTHONPATH=/opt/gokernel/lib/gokernel/python \
    JUPYTERHUB_SINGLEUSER_APP=jupyter_server.serverapp.ServerApp \
    GOKERNEL_LAB_BUILD=/opt/gokernel/share/gokernel/lab \
    GOKERNEL_PREFIX=/opt/gokernel

# Binder passes these; Zero to JupyterHub runs as uid 1000 too.
ARG NB_USER=jovyan
ARG NB_UID=1000
RUN useradd --create-home --uid ${NB_UID} --shell /bin/bash ${NB_USER}
ENV USER=${NB_USER} \
    HOME=/home/${NB_USER}
USER ${NB_UID}
WORKDIR /home/${NB_USER}
EXPOSE 8888

# Copies the lessons into $HOME (missing files only), then runs the command.
ENTRYPOINT ["/opt/gokernel/bin/gokernel-entrypoint"]
CMD ["jupyterhub-singleuser"]
