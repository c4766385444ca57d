package web

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestCatalogsAreComplete(t *testing.T) {
	cat := Catalog()
	en, zh := cat["en"], cat["zh-Hans"]
	if len(en) == 0 || len(zh) == 0 {
		t.Fatalf("empty catalog: en %d keys, zh-Hans %d keys", len(en), len(zh))
	}
	for k := range en {
		if _, ok := zh[k]; !ok {
			t.Errorf("zh-Hans lacks %q", k)
		}
	}
	for k := range zh {
		if _, ok := en[k]; !ok {
			t.Errorf("en lacks %q", k)
		}
	}
	for k, v := range en {
		if strings.Count(v, "%") != strings.Count(zh[k], "%") {
			t.Errorf("%q: en and zh-Hans take different arguments: %q vs %q", k, v, zh[k])
		}
	}
}

// Every literal key passed to T in the code must exist in the catalog.
func TestEveryUsedKeyExists(t *testing.T) {
	en := Catalog()["en"]
	// Literal keys passed to T, and any string literal in a namespace the catalog uses.
	spaces := map[string]bool{}
	for k := range en {
		spaces[k[:strings.IndexByte(k+".", '.')]] = true
	}
	names := make([]string, 0, len(spaces))
	for s := range spaces {
		names = append(names, regexp.QuoteMeta(s))
	}
	re := regexp.MustCompile(`\bT\(ctx, "([a-z0-9_]+(?:\.[a-z0-9_]+)*)"`)
	reKey := regexp.MustCompile(`"((?:` + strings.Join(names, "|") + `)\.[a-z0-9_]+(?:\.[a-z0-9_]+)*)"`)
	root := ".."
	err := filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.IsDir() && (info.Name() == ".git" || info.Name() == "node_modules" || info.Name() == ".data") {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(path, ".templ") && !(strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_templ.go") && !strings.HasSuffix(path, "_test.go")) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range append(re.FindAllSubmatch(b, -1), reKey.FindAllSubmatch(b, -1)...) {
			if _, ok := en[string(m[1])]; !ok {
				t.Errorf("%s uses key %q, missing from the catalog", path, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestLocaleFormats(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	en := NewLocale("", "en-US,en;q=0.9", "USD", ny)
	zh := NewLocale("", "zh-CN,zh;q=0.9", "CNY", time.UTC)
	if got := en.Money(123456789); got != "$1,234,567.89" {
		t.Errorf("en money = %q", got)
	}
	if got := zh.Money(123456789); !strings.Contains(got, "1,234,567.89") || !strings.ContainsAny(got, "¥￥") {
		t.Errorf("zh money = %q", got)
	}
	if got := en.T("nav.sales"); got != "Sales screen" {
		t.Errorf("en nav.sales = %q", got)
	}
	if got := zh.T("nav.sales"); got != "销售看板" {
		t.Errorf("zh nav.sales = %q", got)
	}
	// 02:30 UTC on March 1 is still February 28 in New York.
	ts := time.Date(2026, 3, 1, 2, 30, 0, 0, time.UTC)
	if got := en.Date(ts); got != "Feb 28, 2026" {
		t.Errorf("en date = %q", got)
	}
	if got := zh.Date(ts); got != "2026年3月1日" {
		t.Errorf("zh date = %q", got)
	}
	if got := NewLocale("zh-Hans", "en", "EUR", nil).Lang(); got != "zh-Hans" {
		t.Errorf("user setting ignored: %q", got)
	}
	if got := NewLocale("", "fr-FR", "EUR", nil).Lang(); got != "en" {
		t.Errorf("unsupported language falls back to %q", got)
	}
	if got := en.T("signup.password_hint", 10); !strings.Contains(got, "10") {
		t.Errorf("argument not formatted: %q", got)
	}
}
