// Package csvfile reads and writes Pipewell's CSV files: the projects file
// of the Sales screen's export (and of the import to come), one line per
// project with one column per milestone.
//
// Files are written for spreadsheets and for reading back: UTF-8 with a
// byte-order mark (Excel then reads them as UTF-8), CRLF line ends, calendar
// dates as 2006-01-02, instants as RFC 3339 in the tenant's time zone, money
// as a plain decimal with the currency in a column of its own, and a cell
// that a spreadsheet would take for a formula (starting with =, +, -, @, a
// tab or a carriage return) prefixed with an apostrophe.
package csvfile
