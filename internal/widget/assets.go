package widget

import "embed"

// Assets holds the widget's browser files, served from the binary:
// sdk.js (what the embed snippet loads on the website), and the widget
// page with its script and styles (what the SDK's iframe shows). Plain
// JavaScript and CSS, no framework and no build step.
//
//go:embed assets
var Assets embed.FS
