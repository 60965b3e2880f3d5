#!/bin/bash
# followguardd against the x fixture: the same checks as cli_text.sh.
PLATFORM=x exec bash "$FG_SRC/tests/cli_text.sh"
