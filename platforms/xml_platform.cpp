#include "platforms/xml_platform.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace chimera::xml {
namespace {

const char* sharing_text(Sharing s) {
  switch (s) {
    case Sharing::shared: return "SHARED";
    case Sharing::split_duplex: return "SPLITDUPLEX";
    case Sharing::fatpipe: return "FATPIPE";
  }
  return "SHARED";
}

const char* direction_text(Direction d) {
  switch (d) {
    case Direction::up: return "UP";
    case Direction::down: return "DOWN";
    case Direction::none: return "NONE";
  }
  return "NONE";
}

void write_props(std::string& out, const Props& props, const std::string& indent) {
  for (const auto& [k, v] : props)
    out += fmt::format("{}<prop id=\"{}\" value=\"{}\"/>\n", indent, escape(k), escape(v));
}

void write_link(std::string& out, const Link& l, const std::string& indent) {
  out += fmt::format("{}<link id=\"{}\" bandwidth=\"{}\" latency=\"{}\"", indent, escape(l.id),
                     bandwidth_text(l.bandwidth_Bps), latency_text(l.latency_s));
  if (l.sharing != Sharing::shared) out += fmt::format(" sharing_policy=\"{}\"", sharing_text(l.sharing));
  if (l.props.empty()) {
    out += "/>\n";
    return;
  }
  out += ">\n";
  write_props(out, l.props, indent + "  ");
  out += indent + "</link>\n";
}

void write_route(std::string& out, const Route& r, const std::string& indent) {
  const bool zone_route = !r.gw_src.empty();
  std::string head = zone_route ? fmt::format("<zoneRoute src=\"{}\" dst=\"{}\" gw_src=\"{}\" gw_dst=\"{}\"",
                                              escape(r.src), escape(r.dst), escape(r.gw_src), escape(r.gw_dst))
                                : fmt::format("<route src=\"{}\" dst=\"{}\"", escape(r.src), escape(r.dst));
  out += indent + head + (r.symmetrical ? " symmetrical=\"YES\">" : " symmetrical=\"NO\">");
  for (const Hop& h : r.hops) {
    if (h.direction == Direction::none)
      out += fmt::format("<link_ctn id=\"{}\"/>", escape(h.link));
    else
      out += fmt::format("<link_ctn id=\"{}\" direction=\"{}\"/>", escape(h.link), direction_text(h.direction));
  }
  out += zone_route ? "</zoneRoute>\n" : "</route>\n";
}

void write_zone(std::string& out, const Zone& z, const std::string& indent) {
  out += fmt::format("{}<zone id=\"{}\" routing=\"{}\">\n", indent, escape(z.id), escape(z.routing));
  const std::string in = indent + "  ";
  write_props(out, z.props, in);
  for (const Host& h : z.hosts) {
    out += fmt::format("{}<host id=\"{}\" speed=\"{:.12g}Gf\"", in, escape(h.id), h.speed_flops / 1e9);
    if (h.props.empty()) {
      out += "/>\n";
    } else {
      out += ">\n";
      write_props(out, h.props, in + "  ");
      out += in + "</host>\n";
    }
  }
  for (const std::string& r : z.routers) out += fmt::format("{}<router id=\"{}\"/>\n", in, escape(r));
  for (const Zone& child : z.zones) write_zone(out, child, in);
  for (const Link& l : z.links) write_link(out, l, in);
  for (const Route& r : z.routes) write_route(out, r, in);
  out += indent + "</zone>\n";
}

std::string header(const std::string& comment) {
  std::string out =
      "<?xml version='1.0'?>\n"
      "<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n";
  if (!comment.empty()) out += "<!--\n" + comment + (comment.back() == '\n' ? "" : "\n") + "-->\n";
  return out;
}

}  // namespace

std::string bandwidth_text(double Bps) {
  const double a = std::fabs(Bps);
  if (a >= 1e9) return fmt::format("{:.12g}GBps", Bps / 1e9);
  if (a >= 1e6) return fmt::format("{:.12g}MBps", Bps / 1e6);
  if (a >= 1e3) return fmt::format("{:.12g}KBps", Bps / 1e3);
  return fmt::format("{:.12g}Bps", Bps);
}

std::string latency_text(double s) {
  const double a = std::fabs(s);
  if (a == 0) return "0s";
  if (a >= 1) return fmt::format("{:.12g}s", s);
  if (a >= 1e-3) return fmt::format("{:.12g}ms", s * 1e3);
  if (a >= 1e-6) return fmt::format("{:.12g}us", s * 1e6);
  if (a >= 1e-9) return fmt::format("{:.12g}ns", s * 1e9);
  return fmt::format("{:.12g}s", s);
}

std::string escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

Direction flip(Direction d) { return d == Direction::up ? Direction::down : d == Direction::down ? Direction::up : d; }

// Split-duplex links become two one-way links "<id>-up" and "<id>-down", each carrying the
// properties itself (SimGrid keeps a split-duplex link's properties on an object only found
// by a search through every zone, which costs O(zones) per link on large platforms).
void expand_split_duplex(Zone& z) {
  for (Zone& child : z.zones) expand_split_duplex(child);
  std::vector<Link> links;
  for (Link& l : z.links) {
    if (l.sharing != Sharing::split_duplex) {
      links.push_back(std::move(l));
      continue;
    }
    Link up = l, down = l;
    up.id += "-up";
    down.id += "-down";
    up.sharing = down.sharing = Sharing::shared;
    up.down_props.clear();
    for (auto& p : l.down_props) down.props.push_back(p);
    down.down_props.clear();
    links.push_back(std::move(up));
    links.push_back(std::move(down));
  }
  z.links = std::move(links);
  auto resolve = [](Hop h) {
    if (h.direction == Direction::up) h.link += "-up";
    else if (h.direction == Direction::down) h.link += "-down";
    h.direction = Direction::none;
    return h;
  };
  std::vector<Route> routes;
  for (Route& r : z.routes) {
    const bool directional = std::any_of(r.hops.begin(), r.hops.end(), [](const Hop& h) { return h.direction != Direction::none; });
    if (r.symmetrical && directional) {
      // SimGrid reverses a symmetrical route's link order but cannot flip a one-way link: write both ways.
      Route back = r;
      std::swap(back.src, back.dst);
      std::swap(back.gw_src, back.gw_dst);
      std::reverse(back.hops.begin(), back.hops.end());
      for (Hop& h : back.hops) h = resolve({h.link, flip(h.direction)});
      back.symmetrical = false;
      r.symmetrical = false;
      for (Hop& h : r.hops) h = resolve(h);
      routes.push_back(std::move(r));
      routes.push_back(std::move(back));
      continue;
    }
    for (Hop& h : r.hops) h = resolve(h);
    routes.push_back(std::move(r));
  }
  z.routes = std::move(routes);
}

}  // namespace

Zone expanded(const Zone& root) {
  Zone z = root;
  expand_split_duplex(z);
  return z;
}

std::string write_platform(const Zone& root, const std::string& comment) {
  std::string out = header(comment) + "<platform version=\"4.1\">\n";
  write_zone(out, expanded(root), "");
  out += "</platform>\n";
  return out;
}

std::string write_platform_body(const std::string& body, const std::string& comment) {
  return header(comment) + "<platform version=\"4.1\">\n" + body + "</platform>\n";
}

}  // namespace chimera::xml
