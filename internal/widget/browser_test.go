package widget

import "testing"

func TestParseBrowser(t *testing.T) {
	for _, tc := range []struct {
		ua   string
		want Browser
	}{
		// The facts file's webwidget_triggered sample (Edge 144 on Windows 10).
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/144.0.0.0 Safari/537.36 Edg/144.0.0.0",
			Browser{"Microsoft Edge", "144.0.0.0", "Unknown", "Windows", "10.0"}},
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.8078.108 Safari/537.36",
			Browser{"Chrome", "156.0.8078.108", "Unknown", "Generic Linux", "0"}},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
			Browser{"Safari", "17.1", "Unknown", "Macintosh", "10.15.7"}},
		{"", Browser{"Unknown Browser", "0.0", "Unknown", "Unknown", "0"}},
	} {
		if got := ParseBrowser(tc.ua); got != tc.want {
			t.Errorf("ParseBrowser(%q)\n got %+v\nwant %+v", tc.ua, got, tc.want)
		}
	}
}
