package web

import (
	"strconv"

	"github.com/a-h/templ"
	"github.com/pipewell/pipewell/internal/crm"
)

// choiceOptions are the <option>s of a ChoiceSelect: the active entries,
// and an inactive one only while it is the selected value. They are
// appended in Go: a Sales screen has every user of the tenant twice in its
// selects, and templ formats each value through fmt.Sprint.
func choiceOptions(list []crm.Choice, selected string) templ.Component {
	return appendComponent(func(b []byte, _ *Locale) []byte { return appendOptions(b, list, selected) })
}

// appendOptions appends choiceOptions' markup.
func appendOptions(b []byte, list []crm.Choice, selected string) []byte {
	for _, c := range list {
		var idb [20]byte
		id := strconv.AppendInt(idb[:0], c.ID, 10)
		is := string(id) == selected
		if !c.Active && !is {
			continue
		}
		b = append(b, `<option value="`...)
		b = append(b, id...)
		if is {
			b = append(b, `" selected>`...)
		} else {
			b = append(b, `">`...)
		}
		b = appendEscaped(b, c.Name)
		b = append(b, `</option>`...)
	}
	return b
}
