/* The meeting room: joins the meeting's private Janus VideoRoom with the invitation's token
   (janus.js from npm `janus-gateway`, with the npm `webrtc-adapter`), publishes the camera and
   microphone, shows every other participant, and carries chat and raised hands over the
   room's data channels. Protocol: https://janus.conf.meetecho.com/docs/videoroom.html */
(function () {
  "use strict";
  var root = document.getElementById("room");
  if (!root) return;
  var cfg = root.dataset;
  var texts = {};
  document.getElementById("room-texts").content.querySelectorAll("span").forEach(function (s) {
    texts[s.dataset.k] = s.textContent;
  });
  var statusEl = document.getElementById("room-status");
  var videos = document.getElementById("videos");
  var chatLog = document.getElementById("chat-log");
  var janus = null, pub = null, myId = null, privateId = null;
  var subscribers = {};  // feed id -> {handle, tile, stream, mids}
  // A weak connection can open the room in audio only (?audio=1 on the room's address).
  var audioOnly = cfg.audioOnly === "1", hand = false;

  function setState(state, message) {
    root.dataset.state = state;
    if (message) statusEl.textContent = message;
  }
  function countRemotes() {
    root.dataset.remotes = String(videos.querySelectorAll("figure.remote video.has-video").length);
    root.dataset.participants = String(Object.keys(subscribers).length);
  }
  function say(line) {
    var li = document.createElement("li");
    li.textContent = line;
    chatLog.appendChild(li);
    chatLog.scrollTop = chatLog.scrollHeight;
  }
  function send(obj) {
    if (pub) pub.data({ text: JSON.stringify(obj), error: function () {} });
  }

  function subscribe(publisher) {
    if (subscribers[publisher.id] || publisher.id === myId) return;
    var sub = { tile: null, stream: new MediaStream(), display: publisher.display || "" };
    subscribers[publisher.id] = sub;
    var fig = document.createElement("figure");
    fig.className = "tile remote";
    var video = document.createElement("video");
    video.autoplay = true; video.playsInline = true;
    var cap = document.createElement("figcaption");
    cap.textContent = sub.display;
    fig.appendChild(video); fig.appendChild(cap);
    videos.appendChild(fig);
    sub.tile = fig; sub.video = video;
    janus.attach({
      plugin: "janus.plugin.videoroom",
      opaqueId: cfg.opaque,
      success: function (handle) {
        sub.handle = handle;
        handle.send({ message: {
          request: "join", room: cfg.room, ptype: "subscriber", private_id: privateId,
          token: cfg.token, streams: [{ feed: publisher.id }]
        } });
      },
      error: function (e) { say(texts.error + " " + e); },
      onmessage: function (msg, jsep) {
        if (jsep) {
          handle_answer(sub, jsep);
        }
      },
      onremotetrack: function (track, mid, on) {
        if (on) {
          sub.stream.addTrack(track);
          video.srcObject = sub.stream;
          if (track.kind === "video") video.classList.add("has-video");
        } else {
          sub.stream.getTracks().forEach(function (t) { if (t.id === track.id) sub.stream.removeTrack(t); });
          if (track.kind === "video") video.classList.remove("has-video");
        }
        countRemotes();
      },
      ondata: function (data) {
        var m;
        try { m = JSON.parse(data); } catch (e) { return; }
        if (m.t === "chat") say(sub.display + ": " + String(m.text).slice(0, 500));
        if (m.t === "hand") { fig.classList.toggle("hand", !!m.up); if (m.up) say(sub.display + " " + texts.hand); }
      },
      oncleanup: function () {}
    });
    countRemotes();
  }
  function handle_answer(sub, jsep) {
    sub.handle.createAnswer({
      jsep: jsep,
      tracks: [{ type: "data" }],
      success: function (answer) {
        sub.handle.send({ message: { request: "start", room: cfg.room }, jsep: answer });
        if (audioOnly) configureVideo(sub, false);
      },
      error: function (e) { say(texts.error + " " + e); }
    });
  }
  function configureVideo(sub, on) {
    if (!sub.handle) return;
    var streams = (sub.handle.webrtcStuff && sub.handle.webrtcStuff.pc) ? sub.handle.webrtcStuff.pc.getTransceivers() : [];
    var list = [];
    streams.forEach(function (t) {
      if (t.receiver && t.receiver.track && t.receiver.track.kind === "video" && t.mid) list.push({ mid: t.mid, send: on });
    });
    if (list.length) sub.handle.send({ message: { request: "configure", streams: list } });
  }
  function unsubscribe(id) {
    var sub = subscribers[id];
    if (!sub) return;
    if (sub.handle) sub.handle.detach();
    if (sub.tile) sub.tile.remove();
    delete subscribers[id];
    countRemotes();
  }

  function publish() {
    var tracks = [
      { type: "audio", capture: true, recv: false },
      { type: "video", capture: audioOnly ? false : { width: 640, height: 360 }, recv: false },
      { type: "data" }
    ];
    pub.createOffer({
      tracks: tracks,
      success: function (jsep) {
        pub.send({ message: { request: "publish", bitrate: 256000 }, jsep: jsep });
      },
      error: function (e) { setState("error", texts.error + " " + (e && e.message ? e.message : e)); }
    });
  }

  function joinRoom() {
    janus.attach({
      plugin: "janus.plugin.videoroom",
      opaqueId: cfg.opaque,
      success: function (handle) {
        pub = handle;
        pub.send({ message: {
          request: "join", room: cfg.room, ptype: "publisher", display: cfg.display, token: cfg.token
        } });
      },
      error: function (e) { setState("error", texts.error + " " + e); },
      onmessage: function (msg, jsep) {
        var event = msg.videoroom;
        if (msg.error) { setState("error", texts.error + " " + msg.error); return; }
        if (event === "joined") {
          myId = msg.id; privateId = msg.private_id;
          setState("joined", texts.joined);
          document.querySelector(".room-controls").hidden = false;
          document.querySelector(".chat").hidden = false;
          publish();
        }
        (msg.publishers || []).forEach(subscribe);
        if (msg.leaving || msg.unpublished) {
          var gone = msg.leaving || msg.unpublished;
          if (gone !== "ok" && subscribers[gone]) { say(subscribers[gone].display + " " + texts.left); unsubscribe(gone); }
        }
        if (jsep) pub.handleRemoteJsep({ jsep: jsep });
      },
      onlocaltrack: function (track, on) {
        var video = document.getElementById("local-video");
        if (track.kind !== "video") return;
        if (on) { video.srcObject = new MediaStream([track]); root.dataset.local = "video"; }
      },
      webrtcState: function (on) { root.dataset.webrtc = on ? "up" : "down"; }
    });
  }

  function toggle(button, pressed, onText, offText) {
    button.setAttribute("aria-pressed", pressed ? "true" : "false");
    if (onText) button.textContent = pressed ? onText : offText;
  }
  document.getElementById("btn-mute").addEventListener("click", function () {
    if (!pub) return;
    var muted = pub.isAudioMuted();
    if (muted) pub.unmuteAudio(); else pub.muteAudio();
    toggle(this, !muted, texts.unmute, texts.mute);
  });
  document.getElementById("btn-camera").addEventListener("click", function () {
    if (!pub) return;
    var muted = pub.isVideoMuted();
    if (muted) pub.unmuteVideo(); else pub.muteVideo();
    toggle(this, !muted, texts.camon, texts.camoff);
  });
  document.getElementById("btn-audio-only").addEventListener("click", function () {
    audioOnly = !audioOnly;
    toggle(this, audioOnly);
    if (pub) { if (audioOnly) pub.muteVideo(); else pub.unmuteVideo(); }
    Object.keys(subscribers).forEach(function (id) { configureVideo(subscribers[id], !audioOnly); });
  });
  document.getElementById("btn-screen").addEventListener("click", function () {
    if (!pub || !navigator.mediaDevices || !navigator.mediaDevices.getDisplayMedia) return;
    var mid = null;
    pub.webrtcStuff.pc.getTransceivers().forEach(function (t) {
      if (t.sender && t.sender.track && t.sender.track.kind === "video") mid = t.mid;
    });
    pub.replaceTracks({ tracks: [{ type: "screen", capture: true, mid: mid }], error: function (e) { say(texts.error + " " + e); } });
  });
  document.getElementById("btn-hand").addEventListener("click", function () {
    hand = !hand;
    toggle(this, hand);
    send({ t: "hand", up: hand });
  });
  document.getElementById("chat-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var input = document.getElementById("chat-input");
    var text = input.value.trim();
    if (!text) return;
    send({ t: "chat", text: text });
    say(cfg.display + ": " + text);
    input.value = "";
  });
  // janus.js destroys the session when the page is left (its destroyOnUnload), so Janus
  // announces "leaving" at once and the attendance row closes.

  Janus.init({
    debug: false,
    dependencies: Janus.useDefaultDependencies({ adapter: window.adapter }),
    callback: function () {
      if (!Janus.isWebrtcSupported()) { setState("error", texts.nowebrtc); return; }
      janus = new Janus({
        server: cfg.server,
        token: cfg.token,
        success: joinRoom,
        error: function (e) { setState("error", texts.error + " " + e); },
        destroyed: function () {}
      });
    }
  });
})();
