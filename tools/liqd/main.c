/* SPDX-License-Identifier: MIT */
/* liqd: the command line over the application library (app/); see options.h. */
#include "options.h"

int main(int argc, char **argv)
{
	return liqd_main(argc, argv);
}
