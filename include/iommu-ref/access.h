/* Access kinds and permission bits shared by DMA translation and the table
 * walkers. */
#ifndef IREF_ACCESS_H
#define IREF_ACCESS_H

#define IREF_ACC_READ 1u
#define IREF_ACC_WRITE 2u
#define IREF_ACC_EXEC 4u /* instruction fetch: a read for execute */

#define IREF_PERM_R 1u
#define IREF_PERM_W 2u
#define IREF_PERM_X 4u

#endif
