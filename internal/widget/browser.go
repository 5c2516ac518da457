package widget

import (
	"strings"

	"github.com/mileusna/useragent"
)

// Browser is what Chatwoot records of a visitor's browser, with the names
// the Ruby browser gem gives (facts §5): "Chrome", "Microsoft Edge";
// "Windows", "Generic Linux", "Macintosh"; device "Unknown" on desktops.
// Field order is Chatwoot's event_info order.
type Browser struct {
	BrowserName     string `json:"browser_name"`
	BrowserVersion  string `json:"browser_version"`
	DeviceName      string `json:"device_name"`
	PlatformName    string `json:"platform_name"`
	PlatformVersion string `json:"platform_version"`
}

// browserNames maps the parser's names to the browser gem's.
var browserNames = map[string]string{
	useragent.Edge:           "Microsoft Edge",
	useragent.HeadlessChrome: "Chrome", // the gem's Chrome pattern matches HeadlessChrome too
	useragent.MobileSafari:   "Safari",
	useragent.Msie:           "Internet Explorer",
}

// ParseBrowser reads a User-Agent header.
func ParseBrowser(ua string) Browser {
	p := useragent.Parse(ua)
	b := Browser{BrowserName: p.Name, BrowserVersion: p.Version, DeviceName: "Unknown",
		PlatformName: p.OS, PlatformVersion: p.OSVersion}
	if n, ok := browserNames[p.Name]; ok {
		b.BrowserName = n
	}
	if b.BrowserName == "" {
		b.BrowserName = "Unknown Browser"
	}
	if b.BrowserVersion == "" {
		b.BrowserVersion = "0.0"
	}
	if p.Device == "iPhone" || p.Device == "iPad" {
		b.DeviceName = p.Device
	}
	switch p.OS {
	case useragent.Linux:
		b.PlatformName, b.PlatformVersion = "Generic Linux", "0"
	case useragent.MacOS:
		b.PlatformName = "Macintosh"
	case useragent.IOS:
		b.PlatformName = "iOS (" + b.DeviceName + ")"
	case useragent.Windows:
		// The gem reports the NT version ("10.0"); the parser the
		// marketing one ("10").
		if i := strings.Index(ua, "Windows NT "); i >= 0 {
			v := ua[i+len("Windows NT "):]
			if j := strings.IndexAny(v, ";)"); j >= 0 {
				b.PlatformVersion = v[:j]
			}
		}
	case "":
		b.PlatformName = "Unknown"
	}
	if b.PlatformVersion == "" {
		b.PlatformVersion = "0"
	}
	return b
}
