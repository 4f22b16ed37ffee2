package jupyter

import "testing"

func TestParseMagic(t *testing.T) {
	tests := []struct {
		code    string
		want    magic
		wantErr bool
	}{
		{"x := 1", noMagic, false},
		{"%time\nx := 1", workerMagic, false},
		{"  %env A=b", workerMagic, false},
		{"%help", helpMagic, false},
		{"%reset", resetMagic, false},
		{"%timeit 1", noMagic, true},
		{"x := 10 % 3", noMagic, false},
		{"\n%time 1 + 1", workerMagic, false},
		{"\n\n%env X=1", workerMagic, false},
		{"\n%reset", resetMagic, false},
	}
	for _, tt := range tests {
		got, err := parseMagic(tt.code)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("parseMagic(%q) = %v, %v; want %v, error %v", tt.code, got, err, tt.want, tt.wantErr)
		}
	}
}
