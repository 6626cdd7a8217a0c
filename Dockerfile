# authgate's image: one static binary on a small base, run by a user
# without privileges.
#
#   docker build --build-arg VERSION=v1.2.3 -t authgate:v1.2.3 .
#
# TODO: pin the base images by digest (image:tag@sha256:...) too; a tag
# can be moved, a digest cannot. This file was written where no registry
# could be asked for the digests, and it has not been built.

FROM golang:1.26.8-bookworm AS build
WORKDIR /src
# Modules first, so that a change to the source does not download them
# again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=v0.0.0-docker
# Every dependency is pure Go (SQLite through modernc, SpiceDB's SQL
# parser through WebAssembly), so without cgo the binary needs no libc
# and runs on any base.
RUN CGO_ENABLED=0 go build -buildvcs=false -trimpath \
      -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/authgate ./cmd/authgate

# Alpine rather than a distroless base for its wget, which the health
# check in docker-compose.yml calls.
FROM alpine:3.22.1
RUN adduser -D -H -u 10001 authgate \
 && mkdir /data \
 && chown authgate:authgate /data
COPY --from=build /out/authgate /usr/local/bin/authgate
USER 10001:10001
WORKDIR /data
# SQLite's directory when no Postgres is configured; listen beyond the
# container's loopback.
ENV AUTHGATE_DATA_DIR=/data \
    AUTHGATE_HTTP_ADDRESS=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/authgate"]
CMD ["serve"]
