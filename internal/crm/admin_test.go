package crm

import (
	"strings"
	"testing"
)

func TestPercentBP(t *testing.T) {
	for in, want := range map[string]int{"0": 0, "7.5": 750, "12.25": 1225, "100": 10000, "3 %": 300, "0.01": 1} {
		if got, ok := ParsePercentBP(in); !ok || got != want {
			t.Errorf("ParsePercentBP(%q) = %d %v, want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"100.01", "-1", "1,5", "12.345", "abc", ""} {
		if _, ok := ParsePercentBP(in); ok {
			t.Errorf("ParsePercentBP(%q) accepted", in)
		}
	}
	for bp, want := range map[int]string{0: "0", 750: "7.5", 1225: "12.25", 10000: "100", 5: "0.05"} {
		if got := FormatBP(bp); got != want {
			t.Errorf("FormatBP(%d) = %q, want %q", bp, got, want)
		}
	}
}

func FuzzParsePercentBP(f *testing.F) {
	for _, s := range []string{"12.5", "0", ".5", "100.01", "-3", "7,5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		bp, ok := ParsePercentBP(s)
		if !ok {
			return
		}
		if bp < 0 || bp > 10000 {
			t.Fatalf("ParsePercentBP(%q) = %d", s, bp)
		}
		if back, ok := ParsePercentBP(FormatBP(bp)); !ok || back != bp {
			t.Fatalf("round trip of %q: %d → %q → %d %v", s, bp, FormatBP(bp), back, ok)
		}
	})
}

func TestMilestoneFormValidate(t *testing.T) {
	s, err := MilestoneForm{Name: " Site survey ", DeadlineDays: "3", Probability: "40", EventTitle: "Site visit", EventDays: "2", Won: true}.Validate()
	if err != nil || s.Name != "Site survey" || !s.HasDeadline || s.DeadlineDays != 3 || s.DeadlineFrom != DeadlineFromPrevious ||
		s.Probability != 40 || s.EventDays != 2 || !s.Won {
		t.Fatalf("%+v %v", s, err)
	}
	s, err = MilestoneForm{Name: "Call", Probability: "0"}.Validate()
	if err != nil || s.HasDeadline || s.EventTitle != "" {
		t.Fatalf("optional fields: %+v %v", s, err)
	}
	_, err = MilestoneForm{Name: strings.Repeat("x", 101), Probability: "x", DeadlineDays: "-2", DeadlineFrom: "never", EventDays: "1"}.Validate()
	got := err.Error()
	for _, f := range []string{"name: " + Msg(MsgTooLongMax, 100), "probability: " + MsgNumber, "deadline_days: " + Msg(MsgRangeBetween, 0, 3650), "deadline_from: " + MsgRange, "event_title: " + MsgEventPair} {
		if !strings.Contains(got, f) {
			t.Errorf("%s lacks %s", got, f)
		}
	}
}

func TestSettingsValidate(t *testing.T) {
	known := func(c string) bool { return c == "EUR" || c == "USD" }
	s, err := SettingsForm{Name: "Acme", Currency: " eur", TimeZone: "Asia/Shanghai", StagnantDays: "30"}.Validate(known)
	if err != nil || s.Currency != "EUR" || s.StagnantDays != 30 {
		t.Fatalf("%+v %v", s, err)
	}
	_, err = SettingsForm{Name: "Acme", Currency: "XYZ", TimeZone: "Local", StagnantDays: "0"}.Validate(known)
	for _, f := range []string{"currency: " + MsgCurrency, "time_zone: " + MsgTimeZone, "stagnant_days: " + Msg(MsgRangeBetween, 1, 3650)} {
		if err == nil || !strings.Contains(err.Error(), f) {
			t.Errorf("%v lacks %s", err, f)
		}
	}
}
