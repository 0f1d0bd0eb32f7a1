package badgerstore

import (
	"testing"
)

func TestParseMapsLine(t *testing.T) {
	const dir = "/var/lib/hook gate"
	tests := []struct {
		name  string
		line  string
		want  mapping
		match bool
	}{
		{"value log", "7f0000000000-7f0008000000 rw-s 00000000 fd:01 1234 /var/lib/hook gate/000001.vlog",
			mapping{start: 0x7f0000000000, end: 0x7f0008000000, path: dir + "/000001.vlog"}, true},
		{"deleted table", "7f0000001000-7f0000002000 r--s 00000000 fd:01 99 /var/lib/hook gate/000007.sst (deleted)",
			mapping{start: 0x7f0000001000, end: 0x7f0000002000, path: dir + "/000007.sst"}, true},
		{"padded columns", "55d0c0000000-55d0c0001000 rw-s 00000000 08:02 123456     /var/lib/hook gate/00003.mem",
			mapping{start: 0x55d0c0000000, end: 0x55d0c0001000, path: dir + "/00003.mem"}, true},
		{"another directory", "7f0000000000-7f0000001000 r--s 00000000 fd:01 5 /var/lib/other/000001.vlog", mapping{}, false},
		{"a subdirectory", "7f0000000000-7f0000001000 r--s 00000000 fd:01 5 /var/lib/hook gate/sub/x.sst", mapping{}, false},
		{"a prefix of the directory", "7f0000000000-7f0000001000 r--s 00000000 fd:01 5 /var/lib/hook gatex/1.sst", mapping{}, false},
		{"anonymous", "c000000000-c004000000 rw-p 00000000 00:00 0 ", mapping{}, false},
		{"pseudo path", "7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]", mapping{}, false},
		{"bad range", "zz-7f0000001000 r--s 00000000 fd:01 5 /var/lib/hook gate/1.sst", mapping{}, false},
		{"empty range", "7f0000001000-7f0000001000 r--s 00000000 fd:01 5 /var/lib/hook gate/1.sst", mapping{}, false},
		{"too few fields", "7f0000000000-7f0000001000 r--s", mapping{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseMapsLine(tt.line, dir)
			if ok != tt.match || got != tt.want {
				t.Fatalf("parseMapsLine(%q) = %+v, %v; want %+v, %v", tt.line, got, ok, tt.want, tt.match)
			}
		})
	}
}

func TestStoreMappingsSumsResidentPages(t *testing.T) {
	smaps := `c000000000-c004000000 rw-p 00000000 00:00 0 
Size:              65536 kB
Rss:               40000 kB
7f0000000000-7f0000001000 rw-s 00000000 fd:01 1 /d/000001.vlog
Size:                  4 kB
Rss:                   4 kB
Pss:                   4 kB
Referenced:            4 kB
VmFlags: rd wr sh mr mw me ms sd
7f0000002000-7f0000003000 r--s 00000000 fd:01 2 /e/000002.sst
Rss:                   4 kB
7f0000004000-7f0000009000 r--s 00000000 fd:01 3 /d/000002.sst
Size:                 20 kB
Rss:                  12 kB
Anonymous:             0 kB
`
	got := storeMappings([]byte(smaps), "/d")
	want := []mapping{
		{start: 0x7f0000000000, end: 0x7f0000001000, path: "/d/000001.vlog", resident: 4 << 10},
		{start: 0x7f0000004000, end: 0x7f0000009000, path: "/d/000002.sst", resident: 12 << 10},
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("storeMappings = %+v, want %+v", got, want)
	}
	if isTable(got[0].path) || !isTable(got[1].path) {
		t.Fatalf("isTable: %s is a log, %s a table", got[0].path, got[1].path)
	}
}
