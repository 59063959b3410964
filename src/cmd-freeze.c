/*
 * redock freeze NAME: save NAME's container as its next snapshot and
 * mark NAME frozen there (machine_freeze()): commit, snapshot, restore,
 * reset and delete are refused until 'redock unfreeze NAME'; kill,
 * stop, start and exec still work.
 */
#include <stdio.h>

#include "name.h"
#include "redock.h"
#include "snapshot.h"

#define FREEZE_MESSAGE	"frozen by 'redock freeze'"

static int	cmd_freeze_exec(const struct redock *, const struct args *);

const struct cmd_entry cmd_freeze_entry = {
	.name = "freeze",
	.usage = "NAME",
	.summary = "save a snapshot and refuse changes to NAME until "
	    "unfreeze",
	.options = NULL,
	.getopt = "",
	.longopts = NULL,
	.lower = 1,
	.upper = 1,
	.exec = cmd_freeze_exec,
};

static int
cmd_freeze_exec(const struct redock *rd, const struct args *args)
{
	struct cmd_machines	 m;
	int			 status, number;

	if ((status = cmd_machines(rd, args, "freeze", 0, &m)) == 0 &&
	    (status = snapshot_take(rd, &m, "freeze", FREEZE_MESSAGE, 1,
	    &number)) == 0 && rd->verbosity >= 0)
		printf("froze '%s' at snapshot %d\n", m.names[0].image, number);
	cmd_machines_release(&m);
	return status;
}
