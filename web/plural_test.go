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
		{en, "contacts", ImportPreviewView{Total: 4, Create: 3, CreateAccounts: 1, Skip: 1}, "4 rows: 3 contacts will be created, with 1 new account, 0 updated, 1 row skipped."},
		{en, "contacts", ImportPreviewView{Total: 4, Create: 4, CreateAccounts: 2}, "4 rows: 4 contacts will be created, with 2 new accounts, 0 updated, 0 rows skipped."},
		{zh, "contacts", ImportPreviewView{Total: 2, Create: 2, CreateAccounts: 2}, "2 行：将创建 2 个联系人（含新建 2 个客户），更新 0 个，跳过 0 行。"},
	}
	for _, c := range cases {
		if got := importCounts(c.l, c.kind, &c.p); got != c.want {
			t.Errorf("%s %+v: %q, want %q", c.kind, c.p, got, c.want)
		}
	}
}

func TestImportResultGrammar(t *testing.T) {
	en := NewLocale("en", "", "", time.UTC)
	zh := NewLocale("zh-Hans", "", "", time.UTC)
	if got, want := importResultLine(en, "contacts", 1, 0, 1), "1 contact created, 0 updated, 1 row rejected."; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	if got, want := importResultLine(en, "projects", 2, 3, 0), "2 projects created, 3 updated, 0 rows rejected."; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	if got, want := importResultLine(zh, "accounts", 1, 2, 3), "已创建 1 个客户，更新 2 个，拒绝 3 行。"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}
