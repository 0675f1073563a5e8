"""One module per sub-command, each exposing ``command`` (registered in ``julesform.cli.COMMANDS``)."""
