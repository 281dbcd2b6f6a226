/* Device-level figures for the MAP/UNMAP path: requests go through the wire
 * parser (iref_request) and DMA through iref_dma, as a guest's would.
 * Usage: bench_dma [live_mappings]   (default 1000000) */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "iommu-ref/dma.h"
#include "iommu-ref/iommu.h"
#include "iommu-ref/request.h"
#include "bench.h"

static int send(struct iref_iommu *d, const uint8_t *rd, size_t rlen)
{
	uint8_t tail[4];
	return iref_request(d, rd, rlen, tail, sizeof tail) ? tail[0] : -1;
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 0) : 1000000;
	struct iref_config cfg;
	iref_config_default(&cfg);
	cfg.bypass = 0;
	struct iref_iommu *d;
	struct iref_endpoint_config ep = {.id = 1};
	if (n == 0 || iref_iommu_create(&cfg, &d, NULL) != IREF_OK ||
	    iref_iommu_add_endpoint(d, &ep, NULL) != IREF_OK ||
	    iref_iommu_negotiate(d, iref_iommu_offered(d)) != IREF_OK) {
		fprintf(stderr, "bench_dma: setup failed\n");
		return 1;
	}
	uint8_t rq[64];
	send(d, rq, iref_enc_attach(rq, 1, 1, 0));

	/* Every other 4 KiB page is mapped, so lookups also see holes. */
	double t0 = bench_now();
	for (uint64_t i = 0; i < n; i++) {
		uint64_t va = i * 0x2000;
		if (send(d, rq, iref_enc_map(rq, 1, va, va + 0xfff,
					      0x100000000 + va, 3)) != 0) {
			fprintf(stderr, "bench_dma: MAP %llu failed\n",
				(unsigned long long)i);
			return 1;
		}
	}
	double t_map = bench_now() - t0;

	uint64_t s = 42, hits = 0;
	const uint64_t lookups = 10000000;
	struct iref_dma_req req = {.endpoint = 1, .size = 8,
				   .access = IREF_ACC_READ};
	struct iref_dma_result res;
	t0 = bench_now();
	for (uint64_t i = 0; i < lookups; i++) {
		req.iova = (bench_rand(&s) % n) * 0x2000 + (i & 0xff8);
		iref_dma(d, &req, &res);
		hits += res.outcome == IREF_DMA_OK;
	}
	double t_rand = bench_now() - t0;
	t0 = bench_now();
	for (uint64_t i = 0; i < lookups; i++) {
		req.iova = ((i >> 9) % n) * 0x2000 + ((i & 0x1ff) << 3);
		iref_dma(d, &req, &res);
		hits += res.outcome == IREF_DMA_OK;
	}
	double t_seq = bench_now() - t0;

	/* MAP+UNMAP pairs with the domain held at n live mappings. */
	const uint64_t pairs = 2000000;
	t0 = bench_now();
	for (uint64_t i = 0; i < pairs; i++) {
		uint64_t va = (bench_rand(&s) % n) * 0x2000 + 0x1000; /* a hole */
		send(d, rq, iref_enc_map(rq, 1, va, va + 0xfff, va, 1));
		send(d, rq, iref_enc_unmap(rq, 1, va, va + 0xfff));
	}
	double t_pairs = bench_now() - t0;

	printf("bench_dma: %llu live 4 KiB mappings in one domain\n",
	       (unsigned long long)n);
	printf("  MAP requests (build-up):     %8.2f M/s\n", n / t_map / 1e6);
	printf("  MAP+UNMAP request pairs:     %8.2f M pairs/s\n",
	       pairs / t_pairs / 1e6);
	printf("  iref_dma, random addresses:  %8.2f M/s\n",
	       lookups / t_rand / 1e6);
	printf("  iref_dma, streaming:         %8.2f M/s\n",
	       lookups / t_seq / 1e6);
	printf("  (checksum %llu of %llu translations succeeded)\n",
	       (unsigned long long)hits, (unsigned long long)(2 * lookups));
	iref_iommu_destroy(d);
	return 0;
}
