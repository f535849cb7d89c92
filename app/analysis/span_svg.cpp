#include "app/analysis/span_svg.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <vector>

namespace quire::app {
namespace {

constexpr double kWidth = 720.0;
constexpr size_t kMaxBars = 40;

// White (no mass) to dark red (the largest mass) as "#rrggbb".
std::string heat_color(double fraction) {
  const double f = std::clamp(fraction, 0.0, 1.0);
  auto mix = [f](int from, int to) { return static_cast<int>(from + (to - from) * f + 0.5); };
  return fmt::format("#{:02x}{:02x}{:02x}", mix(255, 153), mix(255, 0), mix(255, 0));
}

std::string percent(double mass) { return fmt::format("{:.1f}%", 100.0 * mass); }

}  // namespace

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string heatmap_svg(const SpanReport& r, int32_t document, int pages) {
  std::vector<const GroupMass*> groups;
  for (const GroupMass& g : r.groups) {
    if (g.document == document) groups.push_back(&g);
  }
  double max_mass = 0.0;
  for (const GroupMass* g : groups) max_mass = std::max(max_mass, g->mass);
  const double scale = max_mass > 0.0 ? 1.0 / max_mass : 0.0;
  if (pages > 0) {
    std::vector<double> by_page(size_t(pages), 0.0);
    for (const GroupMass* g : groups) {
      int page = 0;
      if (g->kind == "page" && std::sscanf(g->name.c_str(), "p. %d", &page) == 1 && page >= 1 &&
          page <= pages) {
        by_page[size_t(page - 1)] += g->mass;
      }
    }
    const double cell = kWidth / pages;
    std::string svg = fmt::format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"heatmap\" width=\"{:.0f}\" "
        "height=\"48\" viewBox=\"0 0 {:.0f} 48\" role=\"img\" aria-label=\"attention per page\">",
        kWidth, kWidth);
    for (int p = 0; p < pages; ++p) {
      svg += fmt::format(
          "<rect x=\"{:.2f}\" y=\"0\" width=\"{:.2f}\" height=\"32\" fill=\"{}\"><title>p. {}: "
          "{}</title></rect>",
          p * cell, cell, heat_color(by_page[size_t(p)] * scale), p + 1,
          percent(by_page[size_t(p)]));
    }
    svg += fmt::format(
        "<rect x=\"0\" y=\"0\" width=\"{:.0f}\" height=\"32\" fill=\"none\" stroke=\"#888\"/>"
        "<text x=\"0\" y=\"46\" font-size=\"11\">p. 1</text>"
        "<text x=\"{:.0f}\" y=\"46\" font-size=\"11\" text-anchor=\"end\">p. {}</text></svg>",
        kWidth, kWidth, pages);
    return svg;
  }
  size_t left_out = 0;
  if (groups.size() > kMaxBars) {
    std::vector<const GroupMass*> largest = groups;
    std::stable_sort(largest.begin(), largest.end(),
                     [](const GroupMass* a, const GroupMass* b) { return a->mass > b->mass; });
    const double cut = largest[kMaxBars - 1]->mass;
    std::vector<const GroupMass*> kept;
    for (const GroupMass* g : groups) {
      if (g->mass >= cut && kept.size() < kMaxBars) kept.push_back(g);
    }
    left_out = groups.size() - kept.size();
    groups = std::move(kept);
  }
  const double row = 18.0, label_w = 260.0;
  const double height = row * double(groups.size() + (left_out > 0 ? 1 : 0)) + 4.0;
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"heatmap\" width=\"{:.0f}\" "
      "height=\"{:.0f}\" viewBox=\"0 0 {:.0f} {:.0f}\" role=\"img\" aria-label=\"attention per "
      "part\">",
      kWidth, height, kWidth, height);
  for (size_t i = 0; i < groups.size(); ++i) {
    const GroupMass& g = *groups[i];
    const double y = row * double(i);
    const double w = (kWidth - label_w - 60.0) * g.mass * scale;
    svg += fmt::format(
        "<text x=\"{:.0f}\" y=\"{:.1f}\" font-size=\"11\" text-anchor=\"end\">{}</text>"
        "<rect x=\"{:.0f}\" y=\"{:.1f}\" width=\"{:.2f}\" height=\"{:.0f}\" fill=\"{}\">"
        "<title>{}: {}</title></rect>"
        "<text x=\"{:.2f}\" y=\"{:.1f}\" font-size=\"11\">{}</text>",
        label_w - 6.0, y + 13.0, xml_escape(g.name), label_w, y + 2.0, w, row - 4.0,
        heat_color(g.mass * scale), xml_escape(g.name), percent(g.mass), label_w + w + 4.0,
        y + 13.0, percent(g.mass));
  }
  if (left_out > 0) {
    svg += fmt::format("<text x=\"{:.0f}\" y=\"{:.1f}\" font-size=\"11\">{} smaller parts not "
                       "shown</text>",
                       label_w, row * double(groups.size()) + 13.0, left_out);
  }
  return svg + "</svg>";
}

std::string histogram_svg(const SpanReport& r) {
  const double height = 120.0, bottom = 100.0;
  const size_t n = std::max<size_t>(r.histogram.size(), 1);
  const double bar = kWidth / double(n);
  double max_mass = 0.0;
  for (const HistogramBucket& b : r.histogram) max_mass = std::max(max_mass, b.mass);
  const double scale = max_mass > 0.0 ? (bottom - 10.0) / max_mass : 0.0;
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"histogram\" width=\"{:.0f}\" "
      "height=\"{:.0f}\" viewBox=\"0 0 {:.0f} {:.0f}\" role=\"img\" aria-label=\"attention by "
      "distance\">",
      kWidth, height, kWidth, height);
  for (size_t i = 0; i < r.histogram.size(); ++i) {
    const HistogramBucket& b = r.histogram[i];
    const double h = b.mass * scale;
    const std::string range =
        b.min == b.max ? std::to_string(b.min) : fmt::format("{}-{}", b.min, b.max);
    svg += fmt::format(
        "<rect x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\" fill=\"#4a6fa5\">"
        "<title>distance {}: {}</title></rect>"
        "<text x=\"{:.2f}\" y=\"{:.0f}\" font-size=\"9\" text-anchor=\"middle\">{}</text>",
        double(i) * bar + 1.0, bottom - h, std::max(bar - 2.0, 1.0), h, range, percent(b.mass),
        (double(i) + 0.5) * bar, bottom + 14.0, b.min == b.max ? range : std::to_string(b.min));
  }
  return svg + fmt::format(
                   "<line x1=\"0\" y1=\"{:.0f}\" x2=\"{:.0f}\" y2=\"{:.0f}\" stroke=\"#888\"/>"
                   "</svg>",
                   bottom, kWidth, bottom);
}

}  // namespace quire::app
