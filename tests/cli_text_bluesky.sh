#!/bin/bash
# followguardd against the bluesky fixture: the same checks as cli_text.sh.
PLATFORM=bluesky exec bash "$FG_SRC/tests/cli_text.sh"
