package postgres

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// A report reads up to a million rows of one statement; scanning each
// through pgx's per-column plans cost more than the engine's work on it.
// The report's columns are of a few fixed types that PostgreSQL sends in
// binary (text columns as text, which is the same), so rowDecoder decodes
// their bytes directly, into the same values a Scan would give. When a
// column does not come in binary (or is of another type), the statement's
// rows are scanned as usual.

// rowDecoder decodes the binary values of one row into dest, whose
// elements are pointers to int64, int16, pgtype.Timestamptz, pgtype.Date,
// pgtype.Text, pgtype.Int2 or pgtype.DriverBytes.
type rowDecoder struct {
	dest []any
	ok   bool // every column is binary and of its destination's type
}

// newRowDecoder checks the statement's columns against dest.
func newRowDecoder(rows pgx.Rows, dest []any) rowDecoder {
	fields := rows.FieldDescriptions()
	if len(fields) != len(dest) {
		return rowDecoder{}
	}
	for i, f := range fields {
		if _, text := dest[i].(*pgtype.Text); f.Format != pgx.BinaryFormatCode && !text {
			return rowDecoder{} // text is the same in either format
		}
		var want uint32
		switch dest[i].(type) {
		case *int64:
			want = pgtype.Int8OID
		case *int16, *pgtype.Int2:
			want = pgtype.Int2OID
		case *pgtype.Timestamptz:
			want = pgtype.TimestamptzOID
		case *pgtype.Date:
			want = pgtype.DateOID
		case *pgtype.Text:
			want = pgtype.TextOID
		case *pgtype.DriverBytes:
			want = pgtype.ByteaOID
		default:
			return rowDecoder{}
		}
		if f.DataTypeOID != want {
			return rowDecoder{}
		}
	}
	return rowDecoder{dest: dest, ok: true}
}

var errRawValue = errors.New("report row: malformed binary value")

// PostgreSQL's binary dates and timestamps count from 2000-01-01 UTC.
const (
	unixAt2000 = 946684800
	usAt2000   = unixAt2000 * 1_000_000
)

// decode fills dest from the row's values (nil: NULL).
func (d rowDecoder) decode(vals [][]byte) error {
	for i, v := range vals {
		if v == nil {
			if err := setNull(d.dest[i]); err != nil {
				return err
			}
			continue
		}
		switch p := d.dest[i].(type) {
		case *int64:
			if len(v) != 8 {
				return errRawValue
			}
			*p = int64(binary.BigEndian.Uint64(v))
		case *int16:
			if len(v) != 2 {
				return errRawValue
			}
			*p = int16(binary.BigEndian.Uint16(v))
		case *pgtype.Int2:
			if len(v) != 2 {
				return errRawValue
			}
			*p = pgtype.Int2{Int16: int16(binary.BigEndian.Uint16(v)), Valid: true}
		case *pgtype.Timestamptz:
			if len(v) != 8 {
				return errRawValue
			}
			switch us := int64(binary.BigEndian.Uint64(v)); us {
			case 1<<63 - 1:
				*p = pgtype.Timestamptz{InfinityModifier: pgtype.Infinity, Valid: true}
			case -1 << 63:
				*p = pgtype.Timestamptz{InfinityModifier: pgtype.NegativeInfinity, Valid: true}
			default:
				// As pgtype: seconds and nanoseconds from the Unix epoch, in Local.
				us += usAt2000
				sec, rem := us/1_000_000, us%1_000_000
				if rem < 0 {
					sec, rem = sec-1, rem+1_000_000
				}
				*p = pgtype.Timestamptz{Time: time.Unix(sec, rem*1000), Valid: true}
			}
		case *pgtype.Date:
			if len(v) != 4 {
				return errRawValue
			}
			switch days := int32(binary.BigEndian.Uint32(v)); days {
			case 1<<31 - 1:
				*p = pgtype.Date{InfinityModifier: pgtype.Infinity, Valid: true}
			case -1 << 31:
				*p = pgtype.Date{InfinityModifier: pgtype.NegativeInfinity, Valid: true}
			default:
				*p = pgtype.Date{Time: time.Unix(unixAt2000+int64(days)*86400, 0).UTC(), Valid: true}
			}
		case *pgtype.Text:
			*p = pgtype.Text{String: word(v), Valid: true}
		case *pgtype.DriverBytes:
			*p = v // valid until the next row, as a DriverBytes scan
		}
	}
	return nil
}

// setNull sets a nullable destination to NULL; an int64 or int16 cannot
// be, as with Scan.
func setNull(dest any) error {
	switch p := dest.(type) {
	case *pgtype.Int2:
		*p = pgtype.Int2{}
	case *pgtype.Timestamptz:
		*p = pgtype.Timestamptz{}
	case *pgtype.Date:
		*p = pgtype.Date{}
	case *pgtype.Text:
		*p = pgtype.Text{}
	case *pgtype.DriverBytes:
		*p = nil
	default:
		return errRawValue
	}
	return nil
}

// word is b as a string, without a copy for the few values stored in the
// state and forecast columns of every row.
func word(b []byte) string {
	switch string(b) {
	case "":
		return ""
	case "active":
		return "active"
	case "deferred":
		return "deferred"
	case "archived":
		return "archived"
	case "sold":
		return "sold"
	case "pipeline":
		return "pipeline"
	case "best_case":
		return "best_case"
	case "commit":
		return "commit"
	case "closed_won":
		return "closed_won"
	case "omitted":
		return "omitted"
	}
	return string(b)
}
