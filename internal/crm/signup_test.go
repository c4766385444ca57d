package crm

import "testing"

// TestDefaultsForChinese: the Chinese defaults are the English process
// with its texts translated: the same deadlines, probabilities and flags,
// every name and event title in Chinese, and as many list values.
func TestDefaultsForChinese(t *testing.T) {
	en, zh := DefaultsFor("en"), DefaultsFor("zh-Hans")
	if len(zh.Milestones) != len(en.Milestones) {
		t.Fatalf("%d Chinese milestones, %d English", len(zh.Milestones), len(en.Milestones))
	}
	for i, m := range zh.Milestones {
		e := en.Milestones[i]
		texts := m
		texts.Name, texts.Criteria, texts.EventTitle = e.Name, e.Criteria, e.EventTitle
		if texts != e {
			t.Errorf("milestone %d: %+v, want the English process %+v", i, m, e)
		}
		if m.Name == e.Name || m.Criteria == e.Criteria || (m.EventTitle == "") != (e.EventTitle == "") || m.EventTitle == e.EventTitle && e.EventTitle != "" {
			t.Errorf("milestone %d not translated: %+v", i, m)
		}
	}
	if len(zh.Statuses) != len(en.Statuses) || len(zh.ArchiveReasons) != len(en.ArchiveReasons) ||
		len(zh.LeadSources) != len(en.LeadSources) || len(zh.Reports) != len(en.Reports) {
		t.Errorf("list lengths differ: %+v vs %+v", zh, en)
	}
	if DefaultsFor("zh").Milestones[0].Name != zh.Milestones[0].Name || DefaultsFor("de").Milestones[0].Name != en.Milestones[0].Name {
		t.Error("language tags read wrongly")
	}
	if &zh.Milestones[0] == &DefaultMilestones[0] {
		t.Error("the Chinese milestones share the English slice")
	}
}
