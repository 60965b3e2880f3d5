/* The followguard command-line tool: one function per command, argv[0] is the command name. */
#ifndef FG_CMD_H
#define FG_CMD_H

int	cmd_score(int argc, char **argv);
int	cmd_explain(int argc, char **argv);
int	cmd_train(int argc, char **argv);
int	cmd_eval(int argc, char **argv);
int	cmd_simulate(int argc, char **argv);
int	cmd_replay(int argc, char **argv);
int	cmd_status(int argc, char **argv);
int	cmd_followers(int argc, char **argv);
int	cmd_spikes(int argc, char **argv);
int	cmd_poll_now(int argc, char **argv);
int	cmd_alerts(int argc, char **argv);
int	cmd_test_alert(int argc, char **argv);
int	cmd_purge(int argc, char **argv);
int	cmd_unpurge(int argc, char **argv);
int	cmd_allow(int argc, char **argv);

/* Opens path for reading; "-" or NULL is stdin. NULL with a message on failure. */
#include <stdio.h>
FILE	*cmd_open_input(const char *path);
/* The bytes of s that fit in max ending on a whole UTF-8 character, for table columns. */
int	 cmd_fit(const char *s, int max);

#endif
