"""The `kassa` command line: thin Click commands over the container's use cases."""
