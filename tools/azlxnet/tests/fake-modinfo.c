// SPDX-License-Identifier: GPL-2.0-only
/*
 * Compiled (not linked) into an ELF object whose .modinfo section looks like
 * azlxnet.ko's, for the unit tests of the modinfo parsing through libkmod.
 */
__attribute__((section(".modinfo"), used, aligned(1)))
static const char azlx_fake_modinfo[] =
	"version=0.1.0\0"
	"description=fake azlxnet for tests\0"
	"parm=synthetic_drivers:Comma-separated synthetic NIC drivers\0"
	"parmtype=synthetic_drivers:charp\0"
	"parm=vf_drivers:Comma-separated VF drivers\0"
	"parmtype=vf_drivers:charp\0"
	"parmtype=debug_level:uint\0"
	"srcversion=0123456789ABCDEF0123456\0"
	"name=azlxnet\0";
