package outbound

import (
	"encoding/json"
	"testing"
	"time"
)

func TestRender(t *testing.T) {
	published := time.Date(2024, 5, 6, 7, 8, 9, 123000000, time.UTC)
	ev := &jobPayload{
		EventID:   "evt_1",
		Type:      "Article.Updated",
		EntityID:  "7",
		Data:      json.RawMessage(`{"OrderNumber":"RP-101","Warehouse":"GreenWarehouse"}`),
		Published: published,
	}
	tests := []struct {
		name   string
		format string
		ev     *jobPayload
		want   string
	}{
		{"standard", FormatStandard, ev,
			`{"type":"Article.Updated","timestamp":"2024-05-06T07:08:09.123Z","increment_id":42,"data":{"OrderNumber":"RP-101","Warehouse":"GreenWarehouse"}}`},
		{"xtnd", FormatXTND, ev,
			`{"Id":"dlv_a_b","Attempt":3,"Properties":{"NotificationId":"evt_1"},"Notifications":[{"Action":"Article.Updated","Details":{"OrderNumber":"RP-101","Warehouse":"GreenWarehouse"}}]}`},
		{"xena", FormatXena, ev,
			`{"EntityType":"Article","EntityId":7,"EntityEvent":"Updated"}`},
		{"xena with a text id", FormatXena, &jobPayload{Type: "Partner.Created", EntityID: "P-7", Data: json.RawMessage(`{}`)},
			`{"EntityType":"Partner","EntityId":"P-7","EntityEvent":"Created"}`},
		{"xena with a zero-padded id keeps it text", FormatXena, &jobPayload{Type: "Partner.Created", EntityID: "007", Data: json.RawMessage(`{}`)},
			`{"EntityType":"Partner","EntityId":"007","EntityEvent":"Created"}`},
		{"xena without an id", FormatXena, &jobPayload{Type: "Article.Deleted", Data: json.RawMessage(`{}`)},
			`{"EntityType":"Article","EntityId":null,"EntityEvent":"Deleted"}`},
		{"xena type without a dot", FormatXena, &jobPayload{Type: "Article", EntityID: "1", Data: json.RawMessage(`{}`)},
			`{"EntityType":"Article","EntityId":1,"EntityEvent":""}`},
		{"raw", FormatRaw, ev, `{"OrderNumber":"RP-101","Warehouse":"GreenWarehouse"}`},
		{"raw keeps the bytes", FormatRaw, &jobPayload{Type: "t", Data: json.RawMessage(`[1, 2,  3]`)}, `[1, 2,  3]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := render(tt.format, tt.ev, "dlv_a_b", 42, 3)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("render(%s) =\n%s\nwant\n%s", tt.format, got, tt.want)
			}
		})
	}
	if _, err := render("soap", ev, "d", 1, 1); err == nil {
		t.Fatal("render accepted an unknown format")
	}
}

func TestDefaultSignature(t *testing.T) {
	for format, want := range map[string]string{
		FormatStandard: "standard", FormatXTND: "ms_signature", FormatXena: "standard", FormatRaw: "standard",
	} {
		if got := defaultSignature(format); got != want {
			t.Errorf("defaultSignature(%s) = %s, want %s", format, got, want)
		}
	}
}
