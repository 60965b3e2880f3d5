#!/bin/bash
# followguardd against the x fixture: the same checks as cli_daemon.sh.
PLATFORM=x exec bash "$FG_SRC/tests/cli_daemon.sh"
