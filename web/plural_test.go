package web

import (
	"testing"
	"time"
)

func TestImportCountsGrammar(t *testing.T) {
	en := NewLocale("en", "", "", time.UTC)
	zh := NewLocale("zh-Hans", "", "", time.UTC)
	cases := []struct {
		l    *Locale
		kind string
		p    ImportPreviewView
		want string
	}{
		{en, "projects", ImportPreviewView{Total: 1, Create: 1}, "1 row: 1 project will be created, 0 updated, 0 rows skipped."},
		{en, "projects", ImportPreviewView{Total: 3, Create: 2, Update: 0, Skip: 1}, "3 rows: 2 projects will be created, 0 updated, 1 row skipped."},
		{en, "accounts", ImportPreviewView{Total: 2, Create: 1, Update: 1}, "2 rows: 1 account will be created, 1 updated, 0 rows skipped."},
		{en, "contacts", ImportPreviewView{Total: 5, Create: 5}, "5 rows: 5 contacts will be created, 0 updated, 0 rows skipped."},
		{zh, "contacts", ImportPreviewView{Total: 3, Create: 1, Update: 1, Skip: 1}, "3 行：将创建 1 个联系人，更新 1 个，跳过 1 行。"},
	}
	for _, c := range cases {
		if got := importCounts(c.l, c.kind, &c.p); got != c.want {
			t.Errorf("%s %+v: %q, want %q", c.kind, c.p, got, c.want)
		}
	}
}
