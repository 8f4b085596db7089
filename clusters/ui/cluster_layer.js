/* The clusters on the map: loaded once per registry revision as data, filtered in the page.
 *
 * Our own script (MIT, part of this project), loaded into streamlit-folium's frame after
 * Leaflet and Leaflet.markercluster. The base map calls ClusterLayer.attach(map, config) once:
 * it adds two layers that stay on the map (the areas; the points, grouped where dense), then
 * loads the clusters from config.url (a revision-named file the app serves with long caching)
 * or takes config.data when the app has no route to serve it. Each rerun of the page sends
 * only which clusters the filter keeps: ClusterLayer.show(key, mask), a bitset over the
 * features' order in the file, base64; null keeps them all; and, when the page asks for it,
 * ClusterLayer.fit(bounds, request) frames the results at the map's real size. Every tooltip arrives escaped by
 * the app; this script never builds HTML from data.
 *
 * Clicks reach the app through streamlit-folium: it listens to every layer on the map when it
 * starts, these two groups among them, and a group passes its features' clicks on with the
 * feature (e.layer), which it returns as last_active_drawing.
 *
 * A big registry comes tiled (config.tiled): config.url is then its overview, binary — int32
 * longitudes × 1e5, int32 latitudes × 1e5, one style byte each, in the features' order —
 * and below config.tiled.zoom the map shows how many clusters (of those the filter keeps)
 * each square of the view holds; a count's click zooms in on them. From that zoom on it
 * loads the clusters of the tiles in view (config.tiled.tileUrl, at that zoom; each feature
 * says its position, properties.p) and draws them as above. The counts are plain elements
 * with their own click handling, not Leaflet layers, so streamlit-folium never reports them.
 */
(function () {
  "use strict";

  var current = null;
  var TOOLTIP = {sticky: true, direction: "auto"};

  var MERCATOR_LIMIT = 85.0511287798;

  // The web map's projection, as a fraction of the world's width and height (0..1).
  function worldX(lon) {
    return (lon + 180) / 360;
  }

  function worldY(lat) {
    var s = Math.sin(Math.max(-MERCATOR_LIMIT, Math.min(MERCATOR_LIMIT, lat)) * Math.PI / 180);
    return 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
  }

  function decodeMask(mask, count) {
    if (mask === null || mask === undefined) {
      return null;
    }
    var bytes = atob(mask);
    var keep = new Uint8Array(count);
    for (var i = 0; i < count; i++) {
      keep[i] = (bytes.charCodeAt(i >> 3) >> (i & 7)) & 1;
    }
    return keep;
  }

  function clearNotice(state) {
    if (state.notice) {
      state.map.removeControl(state.notice);
      state.notice = null;
    }
  }

  function notice(state, message) {
    if (state.notice || !message) {
      return;
    }
    state.notice = L.control({position: "bottomleft"});
    state.notice.onAdd = function () {
      var line = L.DomUtil.create("div", state.config.noticeClass);
      line.setAttribute("role", "status");
      line.textContent = message;
      return line;
    };
    state.notice.addTo(state.map);
  }

  // The style goes in with the options (no restyling), and the areas share one tooltip,
  // bound to their group, that shows the hovered area's escaped text: thousands of areas
  // make thousands of layers, not thousands of tooltips as well.
  function makeLayer(state, feature) {
    var config = state.config;
    var options = Object.assign({className: config.className}, config.styles[feature.properties.style]);
    if (state.renderer) {
      options.renderer = state.renderer;
    }
    var layer;
    if (feature.geometry.type === "Point") {
      var c = feature.geometry.coordinates;
      options.radius = config.pointRadius;
      layer = L.circleMarker([c[1], c[0]], options);
      layer.bindTooltip(feature.properties.tooltip, TOOLTIP);
    } else {
      layer = L.GeoJSON.geometryToLayer(feature, options);
    }
    layer.feature = feature;
    return layer;
  }

  // Put on the map the features the filter keeps (and, tiled, that are in view), take off
  // the others. state.layers has a layer at every position (tiled: at those loaded).
  function apply(state) {
    if (!state.layers) {
      return;
    }
    var keep = state.keep;
    var inView = state.inView;
    var addAreas = [], dropAreas = [], addPoints = [], dropPoints = [];
    for (var i = 0; i < state.layers.length; i++) {
      var layer = state.layers[i];
      var wanted = layer !== undefined && (keep === null || keep[i] === 1) &&
        (inView === null || inView[i] === 1);
      if (wanted === state.shown[i]) {
        continue;
      }
      state.shown[i] = wanted;
      var point = layer instanceof L.CircleMarker;
      if (wanted) {
        (point ? addPoints : addAreas).push(layer);
      } else {
        (point ? dropPoints : dropAreas).push(layer);
      }
    }
    dropAreas.forEach(function (l) { state.areas.removeLayer(l); });
    addAreas.forEach(function (l) { state.areas.addLayer(l); });
    if (state.points.removeLayers) {
      state.points.removeLayers(dropPoints);
      state.points.addLayers(addPoints);
    } else {
      dropPoints.forEach(function (l) { state.points.removeLayer(l); });
      addPoints.forEach(function (l) { state.points.addLayer(l); });
    }
  }

  // Tiled: the overview --------------------------------------------------------------------

  function readOverview(state, buffer) {
    var n = state.config.tiled.count;
    if (buffer.byteLength !== 9 * n) {
      throw new Error("overview of " + buffer.byteLength + " bytes for " + n + " clusters");
    }
    var lon = new Int32Array(buffer, 0, n), lat = new Int32Array(buffer, 4 * n, n);
    var x = new Float64Array(n), y = new Float64Array(n);
    for (var i = 0; i < n; i++) {
      x[i] = worldX(lon[i] / 1e5);
      y[i] = worldY(lat[i] / 1e5);
    }
    state.world = {x: x, y: y};
    state.layers = new Array(n);
    state.shown = new Array(n).fill(false);
    state.inView = new Uint8Array(n);
    state.keep = decodeMask(state.mask, n);
  }

  // How many kept clusters each square of the view holds: [count, x sum, y sum, x min,
  // y min, x max, y max] by square, in world pixels at the map's zoom.
  function countSquares(state) {
    var map = state.map, world = state.world, keep = state.keep;
    var cell = state.config.tiled.cell;
    var scale = 256 * Math.pow(2, map.getZoom());
    var box = map.getPixelBounds();
    var x0 = box.min.x - cell, y0 = box.min.y - cell, x1 = box.max.x + cell, y1 = box.max.y + cell;
    var squares = new Map();
    for (var i = 0; i < world.x.length; i++) {
      if (keep !== null && keep[i] !== 1) {
        continue;
      }
      var px = world.x[i] * scale, py = world.y[i] * scale;
      if (px < x0 || px > x1 || py < y0 || py > y1) {
        continue;
      }
      var k = Math.floor(px / cell) * 1048576 + Math.floor(py / cell);
      var q = squares.get(k);
      if (q === undefined) {
        squares.set(k, [1, px, py, px, py, px, py]);
      } else {
        q[0] += 1; q[1] += px; q[2] += py;
        if (px < q[3]) { q[3] = px; }
        if (py < q[4]) { q[4] = py; }
        if (px > q[5]) { q[5] = px; }
        if (py > q[6]) { q[6] = py; }
      }
    }
    return squares;
  }

  // A count zooms in on its clusters when clicked: at least one level, and to the clusters
  // themselves where they are too close together to part.
  function zoomOnSquare(state, q) {
    var map = state.map, zoom = map.getZoom();
    var bounds = L.latLngBounds(
      map.unproject(L.point(q[3], q[6]), zoom), map.unproject(L.point(q[5], q[4]), zoom));
    var target = Math.max(zoom + 1, map.getBoundsZoom(bounds.pad(0.1)));
    if (bounds.getNorthEast().equals(bounds.getSouthWest())) {
      target = Math.max(zoom + 1, state.config.tiled.zoom);
    }
    target = Math.min(target, Math.max(state.config.tiled.zoom, zoom + 1), map.getMaxZoom());
    map.setView(map.unproject(L.point(q[1] / q[0], q[2] / q[0]), zoom), target);
  }

  function drawCounts(state) {
    var box = state.counts;
    box.textContent = "";
    state.counted = 0;
    if (!state.world || state.map.getZoom() >= state.config.tiled.zoom) {
      return;
    }
    var origin = state.map.getPixelOrigin();
    var title = state.config.tiled.countTitle;
    state.squares = countSquares(state);
    state.squares.forEach(function (q) {
      var mark = L.DomUtil.create("div", "marker-cluster cluster-group cluster-count leaflet-interactive", box);
      var label = L.DomUtil.create("span", "", mark);
      label.textContent = String(q[0]);
      mark.setAttribute("role", "button");
      mark.setAttribute("title", title.replace("{n}", String(q[0])));
      L.DomUtil.setPosition(mark, L.point(q[1] / q[0] - origin.x - 17, q[2] / q[0] - origin.y - 17));
      L.DomEvent.disableClickPropagation(mark);
      L.DomEvent.on(mark, "click", function (event) {
        L.DomEvent.stop(event);
        zoomOnSquare(state, q);
      });
      state.counted += q[0];
    });
  }

  // Tiled: the clusters themselves, by tile ------------------------------------------------

  function tileRange(state) {
    var z = state.config.tiled.zoom, n = Math.pow(2, z);
    var b = state.map.getBounds();
    var clamp = function (v) { return Math.max(0, Math.min(n - 1, Math.floor(v))); };
    return {
      x0: clamp(worldX(b.getWest()) * n), x1: clamp(worldX(b.getEast()) * n),
      y0: clamp(worldY(b.getNorth()) * n), y1: clamp(worldY(b.getSouth()) * n),
    };
  }

  function loadTile(state, name, x, y) {
    state.tiles[name] = null;  // asked for
    state.pending += 1;
    var address = state.config.tiled.tileUrl.replace("{x}", x).replace("{y}", y);
    fetch(address, {credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        var positions = [];
        (data.features || []).forEach(function (f) {
          var p = f.properties.p;
          if (state.layers[p] === undefined) {
            state.layers[p] = makeLayer(state, f);
          }
          positions.push(p);
        });
        state.tiles[name] = positions;
        state.pending -= 1;
        showTiles(state);
      })
      .catch(function () {
        delete state.tiles[name];
        state.pending -= 1;
        notice(state, state.config.failed);
      });
  }

  // Which loaded clusters are in the tiles of the view; asks for the tiles not yet loaded.
  function showTiles(state) {
    state.inView.fill(0);
    if (state.map.getZoom() >= state.config.tiled.zoom) {
      var r = tileRange(state);
      for (var x = r.x0; x <= r.x1; x++) {
        for (var y = r.y0; y <= r.y1; y++) {
          var name = x + "-" + y;
          if (!(name in state.tiles)) {
            loadTile(state, name, x, y);
          } else if (state.tiles[name] !== null) {
            state.tiles[name].forEach(function (p) { state.inView[p] = 1; });
          }
        }
      }
    }
    apply(state);
  }

  function redrawTiled(state) {
    if (!state.world) {
      return;
    }
    drawCounts(state);
    showTiles(state);
  }

  function attachTiled(state) {
    var pane = state.map.getPane("markerPane");
    state.counts = L.DomUtil.create("div", "cluster-counts leaflet-zoom-hide", pane);
    state.tiles = {};
    state.pending = 0;
    state.map.on("moveend", function () { redrawTiled(state); });
    notice(state, state.config.loading);
    fetch(state.config.url, {credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.arrayBuffer();
      })
      .then(function (buffer) {
        performance.mark("clusters:data");
        readOverview(state, buffer);
        clearNotice(state);
        redrawTiled(state);
        performance.mark("clusters:shown");
      })
      .catch(function () { clearNotice(state); notice(state, state.config.failed); });
  }

  // performance.mark() names where the time goes: data in, layers made, layers on the map.
  function load(state, data) {
    performance.mark("clusters:data");
    var features = data.features || [];
    state.layers = features.map(function (f) { return makeLayer(state, f); });
    state.shown = new Array(state.layers.length).fill(false);
    state.keep = decodeMask(state.mask, state.layers.length);
    performance.mark("clusters:made");
    apply(state);
    performance.mark("clusters:shown");
  }

  function attach(map, config) {
    var state = {
      map: map,
      config: config,
      key: config.key,
      mask: config.mask === undefined ? null : config.mask,
      layers: null,
      shown: null,
      keep: null,  // the mask decoded: 1 where the filter keeps the feature; null: all
      inView: null,  // tiled: 1 where the feature is in a loaded tile of the view
      notice: null,
      fitted: null,
      // SVG: the map's own renderer, as every other vector layer uses.
      renderer: config.canvas ? L.canvas({padding: 0.5}) : undefined,
    };
    state.areas = L.featureGroup().addTo(map);
    state.areas.bindTooltip(function (layer) {
      return layer.feature ? layer.feature.properties.tooltip : "";
    }, TOOLTIP);
    state.points = (config.groupPoints && L.markerClusterGroup
      ? L.markerClusterGroup(Object.assign({}, config.groupOptions, {
          iconCreateFunction: function (group) {
            return L.divIcon({
              html: "<span>" + group.getChildCount() + "</span>",
              className: "marker-cluster cluster-group",
              iconSize: L.point(34, 34),
            });
          },
        }))
      : L.featureGroup()).addTo(map);
    current = state;
    if (config.tiled) {
      attachTiled(state);
      return;
    }
    if (config.data) {
      load(state, config.data);
      return;
    }
    fetch(config.url, {credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) { load(state, data); })
      .catch(function () { notice(state, config.failed); });
  }

  function show(key, mask) {
    if (!current || current.key !== key) {
      return;
    }
    current.mask = mask;
    if (current.layers) {
      current.keep = decodeMask(mask, current.layers.length);
    }
    if (current.world) {
      redrawTiled(current);
    } else {
      apply(current);
    }
  }

  // Fit the view to [[south, west], [north, east]] once per request: the page numbers its
  // requests, and the same one comes with every rerun until the next (a click, a filter).
  // The browser knows the map's real size (a phone's, a desktop's); the page does not.
  function fit(bounds, request) {
    if (!current || current.fitted === request) {
      return;
    }
    current.fitted = request;
    current.map.fitBounds(bounds, {
      padding: [current.config.fitPadding, current.config.fitPadding],
      maxZoom: current.config.fitMaxZoom,
      animate: false,
    });
  }

  // How many clusters the map shows now (the benchmark's count; grouped points count too,
  // and so do those a count stands for).
  function drawn() {
    if (!current || !current.shown) {
      return 0;
    }
    return current.shown.filter(Boolean).length + (current.counted || 0);
  }

  // Whether the map shows the clusters themselves: loaded and, tiled, zoomed in far enough,
  // every tile in view loaded.
  function detailed() {
    if (!current || !current.layers) {
      return false;
    }
    if (!current.world) {
      return true;
    }
    return current.map.getZoom() >= current.config.tiled.zoom && current.pending === 0;
  }

  window.ClusterLayer = {attach: attach, show: show, fit: fit, drawn: drawn, detailed: detailed};
  window.__benchDrawn = drawn;
})();
