//! Nothing to build: this crate holds the tests of what ships (`tests/`), which check the chart, the
//! manifests, the Dockerfiles and the ArgoCD health check with the real tools, against the operator's code.
