// Colours and shapes the map and the panels share. Severity is never colour alone: each
// has a shape (◆ loss, ▲ predicted, ● advisory) and a word.

export const SEVERITY = {
  loss: { colour: "#b42318", shape: "◆", icon: "sev-loss" },
  predicted: { colour: "#b54708", shape: "▲", icon: "sev-predicted" },
  advisory: { colour: "#175cd3", shape: "●", icon: "sev-advisory" },
};

export const RULE = {
  no_entry: { colour: "#c01048", dash: [1, 0] },
  notify_before_entry: { colour: "#b54708", dash: [3, 2] },
  protected: { colour: "#067647", dash: [1, 0] },
  owner_only: { colour: "#6941c6", dash: [2, 2] },
};

export const OWN = "#1d3a8a";
export const SHARED = ["#0e7490", "#7e22ce", "#a16207", "#be185d"];
export const OTHER = "#b42318";
