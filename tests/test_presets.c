/* Configuration presets (iommu: preset:, docs/configs.md): every file of
 * configs/ loads and makes a device, the merge rules, nested presets and
 * their errors, reported in the file they are in; and the loader's
 * micro-TLB (iommu: utlb:) and tlb_stats levels. */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iommu-ref/context.h"
#include "runner.h"
#include "scenario.h"
#include "testutil.h"

#define CONFIGS IREF_SOURCE_DIR "/configs"

static struct iref_diag diag;
static char tmpdir[64];

static void mk_tmpdir(void)
{
	strcpy(tmpdir, "/tmp/iref-preset-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

/* tmpdir/name; name may name one subdirectory level ("sub/x.yaml"). */
static const char *tmp_path(const char *name)
{
	static char path[256];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	return path;
}

static void write_file(const char *name, const char *text)
{
	const char *slash = strchr(name, '/');
	if (slash) {
		char sub[128];
		snprintf(sub, sizeof sub, "%.*s", (int)(slash - name), name);
		mkdir(tmp_path(sub), 0700);
	}
	FILE *f = fopen(tmp_path(name), "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* Removes the files and the subdirectory of one test. */
static void rm_tmpdir(const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (unlink(tmp_path(names[i])))
			rmdir(tmp_path(names[i]));
	}
	rmdir(tmpdir);
}

/* A scenario text named "s.yaml" in dir. */
static struct scenario *load_in(const char *text, const char *dir)
{
	memset(&diag, 0, sizeof diag);
	return scenario_parse(text, strlen(text), "s.yaml", dir, &diag);
}

static struct scenario *load_ok(const char *text, const char *dir)
{
	struct scenario *s = load_in(text, dir);
	ck_assert_msg(s, "%s:%u:%u: %s", diag.file ? diag.file : "-",
		      diag.line, diag.column, diag.msg);
	return s;
}

/* text (in tmpdir) is refused in file (NULL: the scenario itself, else a
 * name under tmpdir) at line:column with msg in the message. */
static void refused(const char *text, const char *file, unsigned line,
		    unsigned column, const char *msg)
{
	struct scenario *s = load_in(text, tmpdir);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(diag.file);
	ck_assert_str_eq(diag.file, file ? tmp_path(file) : "s.yaml");
	ck_assert_msg(diag.line == line && diag.column == column,
		      "at %u:%u, want %u:%u: %s", diag.line, diag.column, line,
		      column, diag.msg);
	ck_assert_msg(strstr(diag.msg, msg), "message '%s'", diag.msg);
}

/* Scenario texts (no directory) the loader must refuse, each with its
 * message and position. */
struct bad_case {
	const char *text, *msg;
	unsigned line, column;
};

static void refused_cases(const struct bad_case *bad, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct scenario *s = load_in(bad[i].text, NULL);
		ck_assert_msg(!s, "case %zu loaded", i);
		ck_assert_msg(strstr(diag.msg, bad[i].msg) &&
				      diag.line == bad[i].line &&
				      diag.column == bad[i].column,
			      "case %zu: %u:%u: %s", i, diag.line, diag.column,
			      diag.msg);
	}
}

/* ---- configs/ ---- */

/* A scenario naming the preset, set up into a device. */
static struct scenario *preset_dev(const char *file)
{
	char text[256];
	snprintf(text, sizeof text,
		 "iommu: {preset: %s}\nendpoints: [{id: 1}]\nsteps: []\n",
		 file);
	struct scenario *s = load_ok(text, CONFIGS);
	struct scenario_dev d;
	ck_assert_msg(scenario_setup(s, &d, &diag), "%s: setup: %s", file,
		      diag.msg);
	scenario_teardown(&d);
	return s;
}

static void check_gem5(const struct scenario *s)
{
	const struct iref_config *c = &s->cfg;
	/* gem5 SMMUv3DeviceInterface: utlb 32 entries, assoc 0 = full. */
	ck_assert(c->utlb_enabled);
	ck_assert_uint_eq(c->utlb.n_arrays, 1);
	ck_assert_uint_eq(c->utlb.array[0].entries, 32);
	ck_assert_uint_eq(c->utlb.array[0].ways, 32);
	ck_assert_int_eq(c->utlb.policy, IREF_TLB_FIFO);
	ck_assert(c->tlb_enabled);
	ck_assert_uint_eq(c->tlb.array[0].entries, 2048);
	ck_assert_uint_eq(c->tlb.array[0].ways, 4);
	ck_assert_uint_eq(c->tlb.array[0].sizes, 0x40201000);
	ck_assert(c->timing_enabled);
	ck_assert_uint_eq(c->timing.tlb_lookup, 3);
	ck_assert_uint_eq(c->timing.utlb_lookup, 1);
	ck_assert_uint_eq(c->timing.dma_base, 19);
	ck_assert_uint_eq(c->timing.walkers, 16);
}

static void check_small(const struct scenario *s)
{
	ck_assert(s->cfg.tlb_enabled && !s->cfg.utlb_enabled);
	ck_assert_uint_eq(s->cfg.tlb.array[0].entries, 64);
	ck_assert_uint_eq(s->cfg.tlb.array[0].ways, 4);
	ck_assert_int_eq(s->cfg.tlb.policy, IREF_TLB_LRU);
}

static void check_medium(const struct scenario *s)
{
	ck_assert_uint_eq(s->cfg.utlb.array[0].entries, 16);
	ck_assert_uint_eq(s->cfg.tlb.n_arrays, 2);
	ck_assert_uint_eq(s->cfg.tlb.array[0].entries, 512);
	ck_assert_uint_eq(s->cfg.tlb.array[1].sizes, 0x40200000);
	ck_assert_int_eq(s->cfg.tlb.policy, IREF_TLB_PLRU);
}

static void check_large(const struct scenario *s)
{
	ck_assert_uint_eq(s->cfg.utlb.array[0].entries, 32);
	ck_assert_uint_eq(s->cfg.tlb.array[0].entries, 4096);
	ck_assert_uint_eq(s->cfg.tlb.array[0].ways, 8);
	ck_assert_uint_eq(s->cfg.tlb.array[1].entries, 256);
}

static void check_ext(const struct scenario *s, enum iref_arch arch)
{
	ck_assert_int_eq(s->cfg.hw.arch, arch);
	ck_assert(s->cfg.features & IREF_FEAT(IREF_F_ATTACH_TABLE));
	ck_assert(s->negotiated & IREF_FEAT(IREF_F_ATTACH_TABLE));
}

static void check_arm(const struct scenario *s)
{
	check_ext(s, IREF_ARCH_ARM);
	ck_assert_uint_eq(s->cfg.hw.pasid_bits, 20); /* ssidsize: 20 */
	ck_assert(s->cfg.hw.x.arm.cd2l && s->cfg.hw.x.arm.ril);
}

static void check_intel(const struct scenario *s)
{
	check_ext(s, IREF_ARCH_INTEL);
	ck_assert_uint_eq(s->cfg.hw.pasid_bits, 20);
	ck_assert(s->cfg.hw.x.intel.fl5lp && !s->cfg.hw.x.intel.eafs);
}

static void check_riscv(const struct scenario *s)
{
	check_ext(s, IREF_ARCH_RISCV);
	ck_assert(s->cfg.hw.x.riscv.sv57 && s->cfg.hw.x.riscv.pd20);
	ck_assert(s->cfg.hw.x.riscv.amo_hwad);
}

static void check_amd(const struct scenario *s)
{
	check_ext(s, IREF_ARCH_AMD);
	ck_assert_uint_eq(s->cfg.hw.pasid_bits, 16);
	ck_assert_uint_eq(s->cfg.hw.x.amd.glx, 1);
}

static const struct {
	const char *file;
	void (*check)(const struct scenario *s);
} presets[] = {
	{"smmuv3-gem5.yaml", check_gem5},
	{"tlb-small.yaml", check_small},
	{"tlb-medium.yaml", check_medium},
	{"tlb-large.yaml", check_large},
	{"arm-smmuv3.yaml", check_arm},
	{"intel-vtd.yaml", check_intel},
	{"riscv-iommu.yaml", check_riscv},
	{"amd-iommu.yaml", check_amd},
};

#define N_PRESETS (sizeof presets / sizeof presets[0])

START_TEST(test_configs_each)
{
	struct scenario *s = preset_dev(presets[_i].file);
	presets[_i].check(s);
	/* The preset is the one file the configuration came from. */
	ck_assert_uint_eq(s->n_files, 1);
	ck_assert_ptr_nonnull(strstr(s->files[0], presets[_i].file));
	scenario_free(s);
}
END_TEST

/* Every file of configs/, those listed above or not, loads into a device;
 * and each one listed exists. */
START_TEST(test_configs_all)
{
	DIR *d = opendir(CONFIGS);
	ck_assert_ptr_nonnull(d);
	size_t found = 0, listed = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n < 5 || strcmp(e->d_name + n - 5, ".yaml"))
			continue;
		scenario_free(preset_dev(e->d_name));
		found++;
		for (size_t i = 0; i < N_PRESETS; i++)
			listed += !strcmp(presets[i].file, e->d_name);
	}
	closedir(d);
	ck_assert_uint_eq(listed, N_PRESETS);
	ck_assert_uint_ge(found, N_PRESETS);
}
END_TEST

/* The example runs from the repository's root and from anywhere else:
 * its preset is relative to its own directory. */
START_TEST(test_example_paths)
{
	char cwd[4096];
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	ck_assert_int_eq(chdir(IREF_SOURCE_DIR), 0);
	struct scenario *s = scenario_load("examples/presets.yaml", &diag);
	ck_assert_msg(s, "%s:%u: %s", diag.file, diag.line, diag.msg);
	ck_assert_str_eq(s->files[0], "examples/../configs/smmuv3-gem5.yaml");
	check_gem5(s);
	scenario_free(s);
	ck_assert_int_eq(chdir("/"), 0);
	s = scenario_load(IREF_SOURCE_DIR "/examples/presets.yaml", &diag);
	ck_assert_msg(s, "%s:%u: %s", diag.file, diag.line, diag.msg);
	ck_assert_uint_eq(s->cfg.timing.tree_lookup, 60); /* its override */
	ck_assert_uint_eq(s->cfg.utlb.array[0].entries, 32);
	scenario_free(s);
	ck_assert_int_eq(chdir(cwd), 0);
}
END_TEST

/* ---- merge rules ---- */

static const char base_preset[] =
	"# comment\n"
	"iommu:\n"
	"  bypass: 0\n"
	"  probe_size: 256\n"
	"  features: [map_unmap, probe, attach_table]\n"
	"  options: {max_domains: 4, write_implies_read: true}\n"
	"  timing: {dma_base: 11, tlb_lookup: 2, tree_lookup: 50}\n"
	"  tlb: {entries: 64, ways: 4, policy: plru}\n"
	"  hw: {arch: arm, cd2l: false, ril: false}\n";

START_TEST(test_merge_override)
{
	mk_tmpdir();
	write_file("base.yaml", base_preset);
	struct scenario *s = load_ok(
		"iommu:\n"
		"  preset: base.yaml\n"
		"  probe_size: 128\n"                 /* a scalar wins */
		"  features: [map_unmap, bypass_config]\n" /* a list too */
		"  timing: {tlb_lookup: 5}\n"         /* key by key */
		"  options: {max_domains: 9}\n"
		"  tlb: {ways: 8}\n"
		"  hw: {arch: arm, ril: true}\n"      /* same arch: by key */
		"steps: []\n",
		tmpdir);
	const struct iref_config *c = &s->cfg;
	ck_assert_uint_eq(c->bypass, 0);
	ck_assert_uint_eq(c->probe_size, 128);
	ck_assert_uint_eq(c->features,
			  IREF_FEAT(IREF_F_MAP_UNMAP) |
				  IREF_FEAT(IREF_F_BYPASS_CONFIG) |
				  IREF_FEAT(IREF_F_VERSION_1));
	ck_assert_uint_eq(c->timing.tlb_lookup, 5);
	ck_assert_uint_eq(c->timing.dma_base, 11);
	ck_assert_uint_eq(c->timing.tree_lookup, 50);
	ck_assert_uint_eq(c->opt.max_domains, 9);
	ck_assert(c->opt.write_implies_read);
	ck_assert_uint_eq(c->tlb.array[0].entries, 64);
	ck_assert_uint_eq(c->tlb.array[0].ways, 8);
	ck_assert_int_eq(c->tlb.policy, IREF_TLB_PLRU);
	ck_assert_int_eq(c->hw.arch, IREF_ARCH_ARM);
	ck_assert(!c->hw.x.arm.cd2l && c->hw.x.arm.ril);
	scenario_free(s);

	/* Another arch drops the preset's hw keys: cd2l is intel's
	 * default, not the arm preset's false (which intel would refuse). */
	s = load_ok("iommu: {preset: base.yaml, hw: {arch: intel}}\n"
		    "steps: []\n",
		    tmpdir);
	ck_assert_int_eq(s->cfg.hw.arch, IREF_ARCH_INTEL);
	struct iref_hw_caps def;
	iref_hw_caps_default(&def, IREF_ARCH_INTEL);
	ck_assert_int_eq(s->cfg.hw.x.intel.fl5lp, def.x.intel.fl5lp);
	scenario_free(s);
	/* hw without arch keeps the preset's. */
	s = load_ok("iommu: {preset: base.yaml, hw: {cd2l: true}}\n"
		    "steps: []\n",
		    tmpdir);
	ck_assert_int_eq(s->cfg.hw.arch, IREF_ARCH_ARM);
	ck_assert(s->cfg.hw.x.arm.cd2l && !s->cfg.hw.x.arm.ril);
	scenario_free(s);

	/* The arrays form drops the preset's one-array keys, and the other
	 * way round; policy stays. */
	s = load_ok("iommu:\n"
		    "  preset: base.yaml\n"
		    "  tlb: {arrays: [{entries: 8, sizes: [4k]}, "
		    "{entries: 4, sizes: [2m]}]}\n"
		    "steps: []\n",
		    tmpdir);
	ck_assert_uint_eq(s->cfg.tlb.n_arrays, 2);
	ck_assert_uint_eq(s->cfg.tlb.array[1].sizes, 0x200000);
	ck_assert_int_eq(s->cfg.tlb.policy, IREF_TLB_PLRU);
	scenario_free(s);
	write_file("arrays.yaml",
		   "iommu: {tlb: {arrays: [{entries: 8, sizes: [4k]}]}}\n");
	s = load_ok("iommu: {preset: arrays.yaml, tlb: {entries: 16}}\n"
		    "steps: []\n",
		    tmpdir);
	ck_assert_uint_eq(s->cfg.tlb.n_arrays, 1);
	ck_assert_uint_eq(s->cfg.tlb.array[0].entries, 16);
	scenario_free(s);

	/* A null value is a scalar: it replaces (timing: = the defaults). */
	s = load_ok("iommu: {preset: base.yaml, timing: }\nsteps: []\n",
		    tmpdir);
	struct iref_timing_cfg t;
	iref_timing_default(&t);
	ck_assert(s->cfg.timing_enabled);
	ck_assert_uint_eq(s->cfg.timing.dma_base, t.dma_base);
	scenario_free(s);
	static const char *const files[] = {"base.yaml", "arrays.yaml"};
	rm_tmpdir(files, 2);
}
END_TEST

START_TEST(test_merge_list_and_nested)
{
	mk_tmpdir();
	write_file("base.yaml", base_preset);
	write_file("fast.yaml",
		   "iommu: {timing: {tree_lookup: 7, req_base: 1}, "
		   "utlb: {entries: 4}}\n");
	/* Nested: sub/top.yaml names ../base.yaml relative to itself. */
	write_file("sub/top.yaml",
		   "iommu:\n"
		   "  preset: [../base.yaml, ../fast.yaml]\n"
		   "  bypass: 1\n");
	/* A later preset wins over an earlier one, the scenario over all. */
	struct scenario *s =
		load_ok("iommu: {preset: [base.yaml, fast.yaml], "
			"timing: {req_base: 2}}\nsteps: []\n",
			tmpdir);
	ck_assert_uint_eq(s->cfg.timing.tree_lookup, 7);
	ck_assert_uint_eq(s->cfg.timing.dma_base, 11);
	ck_assert_uint_eq(s->cfg.timing.req_base, 2);
	ck_assert(s->cfg.utlb_enabled && s->cfg.tlb_enabled);
	ck_assert_uint_eq(s->n_files, 2);
	scenario_free(s);
	s = load_ok("iommu: {preset: sub/top.yaml}\nsteps: []\n", tmpdir);
	ck_assert_uint_eq(s->cfg.bypass, 1);
	ck_assert_uint_eq(s->cfg.timing.tree_lookup, 7);
	ck_assert_uint_eq(s->cfg.probe_size, 256);
	ck_assert_uint_eq(s->n_files, 3);
	scenario_free(s);
	/* The order of a list matters. */
	s = load_ok("iommu: {preset: [fast.yaml, base.yaml]}\nsteps: []\n",
		    tmpdir);
	ck_assert_uint_eq(s->cfg.timing.tree_lookup, 50);
	ck_assert_uint_eq(s->cfg.timing.req_base, 1);
	scenario_free(s);
	/* An empty list names nothing. */
	s = load_ok("iommu: {preset: [], bypass: 0}\nsteps: []\n", tmpdir);
	ck_assert_uint_eq(s->n_files, 0);
	scenario_free(s);
	static const char *const files[] = {"base.yaml", "fast.yaml",
					    "sub/top.yaml", "sub"};
	rm_tmpdir(files, 4);
}
END_TEST

/* ---- errors ---- */

START_TEST(test_errors)
{
	mk_tmpdir();
	write_file("bad.yaml", "# bad\niommu:\n  tlb: {entries: 8, wayz: 2}\n");
	write_file("steps.yaml", "iommu: {bypass: 0}\nsteps: []\n");
	write_file("scalar.yaml", "iommu: 5\n");
	write_file("empty.yaml", "other: 1\n");
	write_file("syntax.yaml", "iommu: {bypass: [0}\n");
	write_file("dup.yaml", "iommu:\n  bypass: 0\n  bypass: 1\n");
	write_file("cyc1.yaml", "iommu: {preset: cyc2.yaml}\n");
	write_file("cyc2.yaml", "iommu:\n  preset: cyc1.yaml\n");
	write_file("self.yaml", "iommu: {preset: [self.yaml]}\n");
	write_file("inner.yaml", "iommu: {preset: bad.yaml}\n");
	write_file("good.yaml", "iommu: {bypass: 0}\n");
	write_file("dupn.yaml", "iommu:\n  timing:\n    dma_base: 1\n"
				"    dma_base: 2\n");

	/* Inside a preset: its file, line and column. */
	refused("iommu: {preset: bad.yaml}\nsteps: []\n", "bad.yaml", 3, 21,
		"unknown key 'wayz' in tlb");
	refused("iommu: {preset: inner.yaml}\nsteps: []\n", "bad.yaml", 3, 21,
		"unknown key 'wayz'");
	refused("iommu: {preset: steps.yaml}\nsteps: []\n", "steps.yaml", 2, 1,
		"unknown key 'steps' in preset (expected one of: iommu)");
	refused("iommu: {preset: scalar.yaml}\nsteps: []\n", "scalar.yaml", 1,
		8, "iommu: expected a mapping");
	refused("iommu: {preset: empty.yaml}\nsteps: []\n", "empty.yaml", 1, 1,
		"unknown key 'other'");
	refused("iommu: {preset: syntax.yaml}\nsteps: []\n", "syntax.yaml", 1,
		19, "did not find expected ',' or ']'");
	refused("iommu: {preset: dup.yaml}\nsteps: []\n", "dup.yaml", 3, 3,
		"duplicate key 'bypass' in iommu");
	/* In a nested mapping, merged with the scenario's or not. */
	refused("iommu: {preset: dupn.yaml, timing: {req_base: 1}}\n"
		"steps: []\n",
		"dupn.yaml", 4, 5, "duplicate key 'dma_base' in timing");
	refused("iommu: {preset: dupn.yaml}\nsteps: []\n", "dupn.yaml", 4, 5,
		"duplicate key 'dma_base' in timing");
	/* A missing file, at the scenario's preset: value. */
	refused("iommu:\n  preset: [good.yaml, nothere.yaml]\nsteps: []\n",
		NULL, 2, 23, "cannot open");
	refused("iommu:\n  preset: nothere.yaml\nsteps: []\n", NULL, 2, 11,
		"nothere.yaml: cannot open: No such file");
	/* Cycles, at the preset: naming the file already open. */
	refused("iommu: {preset: cyc1.yaml}\nsteps: []\n", "cyc2.yaml", 2, 11,
		"cyc1.yaml is already being loaded (a cycle of presets)");
	refused("iommu: {preset: self.yaml}\nsteps: []\n", "self.yaml", 1, 18,
		"a cycle of presets");
	/* The scenario's own errors. */
	refused("iommu: {preset: {a: 1}}\nsteps: []\n", NULL, 1, 17,
		"preset: expected a path or a list of paths");
	refused("iommu: {preset: [[a]]}\nsteps: []\n", NULL, 1, 18,
		"preset: expected a path or a list of paths");
	refused("iommu:\n  preset: bad.yaml\n  preset: x\nsteps: []\n", NULL, 3,
		3, "duplicate key 'preset' in iommu");
	refused("iommu:\n  preset: good.yaml\n  bypass: 0\n  bypass: 0\n"
		"steps: []\n",
		NULL, 4, 3, "duplicate key 'bypass' in iommu");
	static const char *const files[] = {
		"bad.yaml",  "steps.yaml", "scalar.yaml", "empty.yaml",
		"syntax.yaml", "dup.yaml", "cyc1.yaml", "cyc2.yaml",
		"self.yaml", "inner.yaml", "good.yaml", "dupn.yaml"};
	rm_tmpdir(files, sizeof files / sizeof files[0]);
}
END_TEST

/* Presets naming presets nest 8 deep at most: p1 -> p2 -> ... */
START_TEST(test_depth)
{
	mk_tmpdir();
	char name[16], text[64];
	for (unsigned i = 1; i <= 9; i++) {
		snprintf(name, sizeof name, "p%u.yaml", i);
		snprintf(text, sizeof text, "iommu: {preset: p%u.yaml}\n",
			 i + 1);
		write_file(name, text);
	}
	write_file("p10.yaml", "iommu: {bypass: 0}\n");
	/* p2 .. p9 is 8 presets: the last one's preset: is refused. */
	refused("iommu: {preset: p2.yaml}\nsteps: []\n", "p9.yaml", 1, 17,
		"presets nest deeper than 8");
	write_file("p9.yaml", "iommu: {bypass: 0}\n");
	struct scenario *s =
		load_ok("iommu: {preset: p2.yaml}\nsteps: []\n", tmpdir);
	ck_assert_uint_eq(s->cfg.bypass, 0);
	ck_assert_uint_eq(s->n_files, 8);
	scenario_free(s);
	/* 64 presets in all at most, however they are listed. */
	char many[1024] = "iommu: {preset: [";
	for (unsigned i = 0; i < 65; i++)
		strcat(many, i ? ", p10.yaml" : "p10.yaml");
	strcat(many, "]}\nsteps: []\n");
	refused(many, NULL, 1, 18 + 64 * 10, "more than 64 presets in all");
	many[strlen(many) - 23] = '\0'; /* drop the 65th */
	strcat(many, "]}\nsteps: []\n");
	s = load_ok(many, tmpdir);
	ck_assert_uint_eq(s->n_files, 64);
	scenario_free(s);
	static const char *const files[] = {
		"p1.yaml", "p2.yaml", "p3.yaml", "p4.yaml", "p5.yaml",
		"p6.yaml", "p7.yaml", "p8.yaml", "p9.yaml", "p10.yaml"};
	rm_tmpdir(files, 10);
}
END_TEST

/* What setup refuses is reported where it was written: the stage-2
 * mapping of a preset in the preset, the device refusal at iommu:. */
START_TEST(test_setup_errors)
{
	mk_tmpdir();
	write_file("s2.yaml",
		   "iommu:\n"
		   "  stage2:\n"
		   "    format: intel-ss\n"
		   "    pool: {start: 0x200000, end: 0x2fffff}\n"
		   "    mappings:\n"
		   "      - {va: 0x1000, pa: 0x1000, size: 0x1000, perm: [read]}\n"
		   "      - {va: 0x1000, pa: 0x2000, size: 0x1000, perm: [read]}\n");
	write_file("utlb.yaml", "iommu: {utlb: {entries: 12, ways: 4}}\n");
	struct scenario_dev d;
	struct scenario *s =
		load_ok("iommu: {preset: s2.yaml}\nsteps: []\n", tmpdir);
	ck_assert(!scenario_setup(s, &d, &diag));
	ck_assert_str_eq(diag.file, tmp_path("s2.yaml"));
	ck_assert_uint_eq(diag.line, 7);
	ck_assert_uint_eq(diag.column, 9);
	ck_assert_ptr_nonnull(strstr(diag.msg, "stage2: "));
	scenario_free(s);
	s = load_ok("\niommu: {preset: utlb.yaml}\nsteps: []\n", tmpdir);
	ck_assert(!scenario_setup(s, &d, &diag));
	ck_assert_str_eq(diag.file, "s.yaml");
	ck_assert_uint_eq(diag.line, 2);
	ck_assert_msg(
		strstr(diag.msg, "device configuration refused: utlb: "), "%s",
		diag.msg);
	scenario_free(s);
	static const char *const files[] = {"s2.yaml", "utlb.yaml"};
	rm_tmpdir(files, 2);
}
END_TEST

/* ---- utlb: and tlb_stats levels ---- */

START_TEST(test_utlb)
{
	struct scenario *s = load_ok(
		"iommu:\n"
		"  utlb: {entries: 8, ways: 2, sizes: [4k, 2m], policy: fifo}\n"
		"  timing: {utlb_lookup: 2}\n"
		"steps: []\n",
		NULL);
	ck_assert(s->cfg.utlb_enabled && !s->cfg.tlb_enabled);
	ck_assert_uint_eq(s->cfg.utlb.array[0].entries, 8);
	ck_assert_uint_eq(s->cfg.utlb.array[0].ways, 2);
	ck_assert_uint_eq(s->cfg.utlb.array[0].sizes, 0x201000);
	ck_assert_int_eq(s->cfg.utlb.policy, IREF_TLB_FIFO);
	ck_assert_uint_eq(s->cfg.timing.utlb_lookup, 2);
	ck_assert(scenario_has_tlb(s));
	scenario_free(s);
	s = load_ok("iommu: {utlb: {arrays: [{entries: 4, sizes: [4k]}, "
		    "{entries: 2, sizes: [1g]}]}}\nsteps: []\n",
		    NULL);
	ck_assert_uint_eq(s->cfg.utlb.n_arrays, 2);
	ck_assert_uint_eq(s->cfg.utlb.array[1].sizes, 0x40000000);
	scenario_free(s);

	/* The same checks as tlb:, named utlb. */
	static const struct bad_case bad[] = {
		{"iommu: {utlb: {ways: 2}}\nsteps: []\n",
		 "utlb: missing key 'entries' (or 'arrays')", 1, 15},
		{"iommu: {utlb: {entries: 8, arrays: []}}\nsteps: []\n",
		 "utlb: 'entries' and 'arrays' are exclusive", 1, 16},
		{"iommu: {utlb: {arrays: [{entries: 8}]}}\nsteps: []\n",
		 "utlb array: missing key 'sizes'", 1, 25},
		{"iommu: {utlb: {entries: 8, policy: mru}}\nsteps: []\n",
		 "unknown policy 'mru'", 1, 36},
		{"iommu: {utlb: 4}\nsteps: []\n", "utlb: expected a mapping", 1,
		 15},
		{"iommu: {timing: {utlb_lookup: 0x100000000}}\nsteps: []\n",
		 "utlb_lookup: 0x100000000 does not fit in 32 bits", 1, 31},
	};
	refused_cases(bad, sizeof bad / sizeof bad[0]);
}
END_TEST

/* Walk caches: wc defaults to both stages and the 2 MiB..256 TiB spans,
 * an array may name its stages; s2tlb is a plain TLB; wc_lookup is a
 * timing key. A stage list on a TLB reaches the library, which refuses
 * it. */
START_TEST(test_walk_caches)
{
	struct scenario *s = load_ok(
		"iommu:\n"
		"  wc: {entries: 64, ways: 4}\n"
		"  s2tlb: {entries: 16, sizes: [4k, 2m]}\n"
		"  timing: {wc_lookup: 6}\n"
		"steps: []\n",
		NULL);
	ck_assert(s->cfg.wc_enabled && s->cfg.s2tlb_enabled);
	ck_assert(!s->cfg.tlb_enabled);
	ck_assert_uint_eq(s->cfg.wc.array[0].stages, IREF_WC_S1 | IREF_WC_S2);
	ck_assert_uint_eq(s->cfg.wc.array[0].sizes,
			  UINT64_C(0x0001ffffffe00000));
	ck_assert_uint_eq(s->cfg.s2tlb.array[0].stages, 0);
	ck_assert_uint_eq(s->cfg.s2tlb.array[0].sizes, 0x201000);
	ck_assert_uint_eq(s->cfg.timing.wc_lookup, 6);
	scenario_free(s);
	s = load_ok("iommu: {wc: {arrays: [{entries: 8, sizes: [2m], "
		    "stages: [s1]}, {entries: 4, sizes: [1g, 512g], "
		    "stages: [s2]}]}}\nsteps: []\n",
		    NULL);
	ck_assert_uint_eq(s->cfg.wc.n_arrays, 2);
	ck_assert_uint_eq(s->cfg.wc.array[0].stages, IREF_WC_S1);
	ck_assert_uint_eq(s->cfg.wc.array[1].stages, IREF_WC_S2);
	scenario_free(s);
	s = load_in("iommu: {wc: {entries: 8, stages: [s3]}}\nsteps: []\n",
		    NULL);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(diag.msg, "unknown name 's3'"), "%s", diag.msg);
}
END_TEST

/* dma at: is printed and orders walks in time; without it the clock is
 * where the previous access ended. */
START_TEST(test_dma_at)
{
	static const char text[] =
		"iommu:\n"
		"  features: [map_unmap, probe, attach_table]\n"
		"  hw: {arch: intel}\n"
		"  timing: {walkers: 1}\n"
		"endpoints: [{id: 1}]\n"
		"steps:\n"
		"  - tables: {format: intel-fs, pool: {start: 0x100000, end: "
		"0x1fffff}, mappings: [{va: 0, pa: 0x800000, size: 0x4000, "
		"perm: [read]}]}\n"
		"  - attach_table: {domain: 1, endpoint: 1, format: intel_pt, "
		"pasid: 1, pgtbl: 0x100000}\n"
		"  - dma: {endpoint: 1, pasid: 1, addr: 0, size: 4, access: "
		"read, at: 0}\n"
		"    expect: {cycles: 419}\n"
		"  - dma: {endpoint: 1, pasid: 1, addr: 0x1000, size: 4, "
		"access: read, at: 0}\n"
		"    expect: {cycles: 819}\n"
		"  - dma: {endpoint: 1, pasid: 1, addr: 0x2000, size: 4, "
		"access: read}\n"
		"    expect: {cycles: 419}\n";
	struct iref_test_output o;
	iref_test_run_text(text, &o);
	ck_assert_msg(o.t.failed == 0 && o.t.passed == 5, "%s%s", o.out,
		      o.err);
	ck_assert_msg(strstr(o.out, "acc=r at=0 -> ok"), "%s", o.out);
	ck_assert_msg(strstr(o.out, "iova=0x2000 len=4 acc=r -> ok"), "%s",
		      o.out);
	iref_test_output_free(&o);
}
END_TEST

#define PROLOGUE                                                         \
	"endpoints: [{id: 1}, {id: 2}]\n"                                \
	"steps:\n"                                                       \
	"  - {attach: {domain: 1, endpoint: 1}}\n"                       \
	"  - {attach: {domain: 1, endpoint: 2}}\n"                       \
	"  - {map: {domain: 1, virt_start: 0x1000, virt_end: 0x1fff, "   \
	"phys_start: 0x5000, flags: [read]}}\n"

START_TEST(test_tlb_stats_levels)
{
	struct iref_test_output o;
	/* A micro-TLB alone: dma lines carry tlb= as with a main TLB. */
	iref_test_run_text(
		"iommu: {bypass: 0, utlb: {entries: 4}}\n" PROLOGUE
		"  - dma: {endpoint: 1, addr: 0x1010, size: 4, access: read}\n"
		"    expect: {tlb: miss}\n"
		"  - dma: {endpoint: 1, addr: 0x1020, size: 4, access: read}\n"
		"    expect: {tlb: hit}\n"
		"  - dma: {endpoint: 2, addr: 0x1020, size: 4, access: read}\n"
		"    expect: {tlb: miss}\n"
		"  - tlb_stats: {level: utlb}\n"
		"    expect: {lookups: 3, hits: 1, misses: 2, fills: 2}\n"
		"  - tlb_stats: {level: ctx}\n"
		"  - tlb_stats: {level: utlb}\n"
		"    expect: {hits: 2}\n",
		&o);
	ck_assert_uint_eq(o.t.passed, 8);
	ck_assert_uint_eq(o.t.failed, 1);
	ck_assert_ptr_nonnull(strstr(o.out, "via=map tlb=miss\n"));
	ck_assert_ptr_nonnull(strstr(o.out, "via=map tlb=hit\n"));
	ck_assert_ptr_nonnull(
		strstr(o.out, "\ntlb level=utlb lookups=3 hits=1 misses=2 "
			      "fills=2 evictions=0 invalidated=0\n"));
	ck_assert_ptr_nonnull(strstr(o.out, "\ntlb level=ctx lookups="));
	ck_assert_ptr_nonnull(strstr(o.err, "expected hits=2, got hits=1"));
	iref_test_output_free(&o);
	/* Both levels: the main TLB's line is unnamed, with or without an
	 * explicit level: tlb. */
	iref_test_run_text(
		"iommu: {bypass: 0, utlb: {entries: 4}, tlb: {entries: 8}}\n"
		PROLOGUE
		"  - dma: {endpoint: 1, addr: 0x1010, size: 4, access: read}\n"
		"  - dma: {endpoint: 2, addr: 0x1010, size: 4, access: read}\n"
		"    expect: {tlb: hit}\n"
		"  - tlb_stats: {level: tlb}\n"
		"    expect: {lookups: 2, hits: 1}\n"
		"  - tlb_stats:\n"
		"    expect: {lookups: 2, misses: 1}\n"
		"  - tlb_stats: {level: utlb}\n"
		"    expect: {lookups: 2, hits: 0, fills: 2}\n",
		&o);
	ck_assert_uint_eq(o.t.failed, 0);
	ck_assert_uint_eq(o.t.passed, 8);
	ck_assert_ptr_nonnull(strstr(o.out, "\ntlb lookups=2 hits=1 misses=1 "
					    "fills=1 evictions=0 "
					    "invalidated=0\n"));
	ck_assert_ptr_null(strstr(o.out, "level=tlb"));
	iref_test_output_free(&o);

	static const struct bad_case bad[] = {
		{"iommu: {tlb: {entries: 8}}\nsteps: [{tlb_stats: {level: "
		 "utlb}}]\n",
		 "tlb_stats: the device has no micro-TLB", 2, 29},
		{"iommu: {utlb: {entries: 8}}\nsteps:\n  - tlb_stats:\n",
		 "tlb_stats: the device has no TLB (add iommu: tlb:)", 3, 15},
		{"steps: [{tlb_stats: {level: ctx}}]\n",
		 "the device has no context cache", 1, 29},
		{"iommu: {tlb: {entries: 8}}\nsteps: [{tlb_stats: {level: "
		 "l2}}]\n",
		 "level: unknown name 'l2' (expected one of: utlb, tlb, ctx, "
		 "walk, s2tlb)",
		 2, 29},
		{"iommu: {tlb: {entries: 8}}\nsteps: [{tlb_stats: {level: "
		 "walk}}]\n",
		 "tlb_stats: the device has no walk cache (add iommu: wc:)", 2,
		 29},
		{"iommu: {wc: {entries: 8}}\nsteps: [{tlb_stats: {level: "
		 "s2tlb}}]\n",
		 "the device has no stage-2 table cache", 2, 29},
		{"iommu: {tlb: {entries: 8}}\nsteps: [{tlb_stats: {lvl: "
		 "tlb}}]\n",
		 "unknown key 'lvl' in tlb_stats", 2, 22},
		{"iommu: {tlb: {entries: 8}}\nsteps: [{tlb_stats: 1}]\n",
		 "tlb_stats: expected a mapping", 2, 21},
		{"steps:\n  - dma: {endpoint: 1, addr: 0, size: 1, access: "
		 "read}\n    expect: {tlb: hit}\n",
		 "the device has no TLB (add iommu: tlb: or utlb:)", 3, 14},
	};
	refused_cases(bad, sizeof bad / sizeof bad[0]);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("presets");
	TCase *tc = tcase_create("configs");
	tcase_add_loop_test(tc, test_configs_each, 0, (int)N_PRESETS);
	tcase_add_test(tc, test_configs_all);
	tcase_add_test(tc, test_example_paths);
	suite_add_tcase(s, tc);
	tc = tcase_create("merge");
	tcase_add_test(tc, test_merge_override);
	tcase_add_test(tc, test_merge_list_and_nested);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_depth);
	tcase_add_test(tc, test_setup_errors);
	suite_add_tcase(s, tc);
	tc = tcase_create("utlb");
	tcase_add_test(tc, test_utlb);
	tcase_add_test(tc, test_walk_caches);
	tcase_add_test(tc, test_dma_at);
	tcase_add_test(tc, test_tlb_stats_levels);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return iref_test_run(suite());
}
