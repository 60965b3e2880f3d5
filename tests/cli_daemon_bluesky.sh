#!/bin/bash
# followguardd against the bluesky fixture: the same checks as cli_daemon.sh.
PLATFORM=bluesky exec bash "$FG_SRC/tests/cli_daemon.sh"
