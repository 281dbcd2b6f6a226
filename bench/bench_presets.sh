#!/bin/sh
# Hit rates and latencies of the configs/ cache presets on a streaming and
# a random DMA pattern: for each preset, a generated scenario attaches an
# Intel first-stage table of 64 MiB in 4 KiB pages (PASID 1), then makes
# N 64-byte reads, either line after line (streaming) or at random pages.
# It prints the share of accesses a TLB level answered (tlb=hit: the
# micro-TLB or the main TLB) and the timing summary (cycles per access:
# p50/p90/p99/max) of `iommu-ref run`.
# Usage: bench/bench_presets.sh [IOMMU_REF_BINARY] [N]   (default
# ./build/iommu-ref, 20000)
set -eu
bin=${1:-./build/iommu-ref}
n=${2:-20000}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

scenario() { # preset pattern
	cat <<EOF
iommu:
  preset: $root/configs/$1.yaml
  features: [map_unmap, probe, attach_table]
  bypass: 0
  hw: {arch: intel}
  timing: {}
endpoints: [{id: 1}]
steps:
  - tables:
      format: intel-fs
      pool: {start: 0x1000000, end: 0x1ffffff}
      mappings:
        - {va: 0, pa: 0x100000000, size: 0x4000000, perm: [read, write],
           blocks: false}
  - attach_table: {domain: 1, endpoint: 1, format: intel_pt, pasid: 1,
                   pgtbl: 0x1000000}
EOF
	awk -v n="$n" -v pat="$2" 'BEGIN {
		srand(42)
		for (i = 0; i < n; i++) {
			if (pat == "stream")
				a = i * 64 % 67108864
			else
				a = int(rand() * 16384) * 4096 + int(rand() * 64) * 64
			printf "  - dma: {endpoint: 1, pasid: 1, addr: %d, size: 64, access: read}\n", a
		}
	}'
}

printf '%-14s %-7s %9s  %s\n' preset pattern "TLB hits" "cycles per access"
for preset in tlb-small tlb-medium tlb-large smmuv3-gem5; do
	for pattern in stream random; do
		scenario "$preset" "$pattern" >"$work/s.yaml"
		"$bin" run "$work/s.yaml" >"$work/out" || {
			echo "$preset $pattern: run failed" >&2
			exit 1
		}
		awk -v p="$preset" -v q="$pattern" '
			/^dma / { n++; if (/ tlb=hit/) hits++ }
			/^timing / { t = $5 " " $6 " " $7 " " $8 }
			END { printf "%-14s %-7s %8.1f%%  %s\n", p, q,
				     100 * hits / n, t }
		' "$work/out"
	done
done
