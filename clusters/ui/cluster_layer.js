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
 */
(function () {
  "use strict";

  var current = null;
  var TOOLTIP = {sticky: true, direction: "auto"};

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

  function apply(state) {
    if (!state.layers) {
      return;
    }
    var keep = decodeMask(state.mask, state.layers.length);
    var addAreas = [], dropAreas = [], addPoints = [], dropPoints = [];
    for (var i = 0; i < state.layers.length; i++) {
      var layer = state.layers[i];
      var wanted = keep === null || keep[i] === 1;
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

  // performance.mark() names where the time goes: data in, layers made, layers on the map.
  function load(state, data) {
    performance.mark("clusters:data");
    var features = data.features || [];
    state.layers = features.map(function (f) { return makeLayer(state, f); });
    state.shown = new Array(state.layers.length).fill(false);
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
    apply(current);
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

  // How many clusters the map shows now (the benchmark's count; grouped points count too).
  function drawn() {
    if (!current || !current.shown) {
      return 0;
    }
    return current.shown.filter(Boolean).length;
  }

  window.ClusterLayer = {attach: attach, show: show, fit: fit, drawn: drawn};
  window.__benchDrawn = drawn;
})();
