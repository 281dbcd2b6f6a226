/* Shared by the benchmarks: a wall clock and a fixed pseudo-random
 * sequence, so runs are comparable. */
#ifndef IREF_BENCH_H
#define IREF_BENCH_H

#include <stdint.h>
#include <time.h>

/* Seconds, from C11's timespec_get (no POSIX clock needed). */
static inline double bench_now(void)
{
	struct timespec ts;
	timespec_get(&ts, TIME_UTC);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* splitmix64 over *state. */
static inline uint64_t bench_rand(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

#endif
