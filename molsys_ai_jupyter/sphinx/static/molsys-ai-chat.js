/* MolSys-AI docs chatbot: a chat panel on every page of a Sphinx site.
 *
 * Reads its settings from <script id="molsys-ai-config" type="application/json">
 * (written by the Sphinx extension molsys_ai_jupyter.sphinx) and talks to the chat API
 * (molsys-ai serve): POST {apiUrl}/v1/chat with "stream": true (Server-Sent Events:
 * token, answer, done, error) and POST {apiUrl}/v1/feedback.
 *
 * Answers are rendered from Markdown into DOM nodes (never innerHTML): paragraphs,
 * lists, fenced code blocks, inline code, bold, italics, and links with http(s) URLs only.
 * HTML in an answer is shown as text; images become links (nothing is fetched from an
 * answer); links with other schemes (javascript:, data:) become their text.
 */
(function () {
  "use strict";

  var STORE_KEY = "molsys-ai-chat:v1";
  var MAX_HISTORY_TURNS = 6;

  function readConfig() {
    var element = document.getElementById("molsys-ai-config");
    if (!element) return null;
    try {
      var config = JSON.parse(element.textContent || "{}");
      return config && config.apiUrl ? config : null;
    } catch (err) {
      console.warn("molsys-ai: unreadable configuration", err);
      return null;
    }
  }

  // ------------------------------------------------------------------ DOM helpers

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        var value = attrs[key];
        if (value === null || value === undefined || value === false) return;
        if (key === "text") node.textContent = value;
        else if (key === "className") node.className = value;
        else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), value);
        else node.setAttribute(key, value === true ? "" : String(value));
      });
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function safeUrl(url) {
    if (typeof url !== "string") return null;
    var trimmed = url.trim();
    return /^https?:\/\/[^\s"'<>]+$/i.test(trimmed) ? trimmed : null;
  }

  // ------------------------------------------------------------------ safe Markdown

  /* Inline Markdown → nodes: `code`, **bold**, *italics* / _italics_, [text](http(s) url),
   * bare http(s) URLs, and citation markers [n] that link to the n-th source when
   * `sources` has it. Everything else is text. */
  function renderInline(text, sources) {
    var out = [];
    var pattern = /(`+)([\s\S]*?[^`])\1(?!`)|\*\*([^*]+)\*\*|\[([^\]\n]+)\]\(([^)\s]+)\)|\[(\d{1,3})\]|(https?:\/\/[^\s<>()"'`]*[^\s<>()"'`.,;:!?])|(?<![\w*])\*([^*\s][^*\n]*?)\*(?![\w*])|(?<!\w)_([^_\s][^_\n]*?)_(?!\w)|!\[([^\]\n]*)\]\(([^)\s]+)\)/g;
    var last = 0;
    var match;
    while ((match = pattern.exec(text)) !== null) {
      if (match.index > last) out.push(document.createTextNode(text.slice(last, match.index)));
      if (match[1]) {
        out.push(el("code", { text: match[2] }));
      } else if (match[3] !== undefined) {
        out.push(el("strong", null, renderInline(match[3], sources)));
      } else if (match[4] !== undefined) {
        var href = safeUrl(match[5]);
        if (href) out.push(el("a", { href: href, target: "_blank", rel: "noopener noreferrer", text: match[4] }));
        else out.push(document.createTextNode(match[4]));
      } else if (match[6] !== undefined) {
        out.push(citation(Number(match[6]), sources) || document.createTextNode(match[0]));
      } else if (match[7] !== undefined) {
        out.push(el("a", { href: match[7], target: "_blank", rel: "noopener noreferrer", text: match[7] }));
      } else if (match[8] !== undefined || match[9] !== undefined) {
        out.push(el("em", null, renderInline(match[8] !== undefined ? match[8] : match[9], sources)));
      } else if (match[11] !== undefined) {
        out.push(imageLink(match[10], match[11]));
      }
      last = pattern.lastIndex;
    }
    if (last < text.length) out.push(document.createTextNode(text.slice(last)));
    return out;
  }

  /* An image in an answer is never fetched: it becomes a link that says what and where it is. */
  function imageLink(alt, url) {
    var href = safeUrl(url);
    var label = alt ? "image: " + alt : "image";
    if (!href) return document.createTextNode("[" + label + "]");
    return el("a", { href: href, target: "_blank", rel: "noopener noreferrer", className: "molsys-ai-image-link",
                     text: label + " (" + href + ")" });
  }

  function citation(number, sources) {
    var source = (sources || []).filter(function (s) { return Number(s.number) === number; })[0];
    var href = source && safeUrl(source.url);
    if (!href) return null;
    return el("a", {
      href: href, target: "_blank", rel: "noopener noreferrer", className: "molsys-ai-cite",
      title: source.title || href, "aria-label": "source " + number + ": " + (source.title || href),
      text: "[" + number + "]",
    });
  }

  /* Thumbs up / down as inline SVG (no emoji font needed); outline after Feather (MIT). */
  var THUMB_UP = "M14 9V5a3 3 0 0 0-3-3l-4 9v11h11.28a2 2 0 0 0 2-1.7l1.38-9a2 2 0 0 0-2-2.3zM7 22H4a2 2 0 0 1-2-2v-7a2 2 0 0 1 2-2h3";
  var THUMB_DOWN = "M10 15v4a3 3 0 0 0 3 3l4-9V2H5.72a2 2 0 0 0-2 1.7l-1.38 9a2 2 0 0 0 2 2.3zm7-13h2.67A2.31 2.31 0 0 1 22 4v7a2.31 2.31 0 0 1-2.33 2H17";

  function icon(path) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "16");
    svg.setAttribute("height", "16");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var shape = document.createElementNS(ns, "path");
    shape.setAttribute("d", path);
    shape.setAttribute("fill", "none");
    shape.setAttribute("stroke", "currentColor");
    shape.setAttribute("stroke-width", "2");
    shape.setAttribute("stroke-linecap", "round");
    shape.setAttribute("stroke-linejoin", "round");
    svg.appendChild(shape);
    return svg;
  }

  function codeBlock(code, language) {
    var pre = el("pre", { className: "molsys-ai-code" }, [
      el("code", { text: code, "data-language": language || null }),
    ]);
    var button = el("button", {
      type: "button", className: "molsys-ai-copy", text: "Copy", "aria-label": "Copy code to the clipboard",
      onclick: function () { copyText(code, button); },
    });
    return el("div", { className: "molsys-ai-codewrap" }, [button, pre]);
  }

  function copyText(text, button) {
    function done(ok) {
      button.textContent = ok ? "Copied" : "Copy failed";
      setTimeout(function () { button.textContent = "Copy"; }, 1500);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(fallbackCopy(text)); });
    } else {
      done(fallbackCopy(text));
    }
  }

  function fallbackCopy(text) {
    var area = el("textarea", { "aria-hidden": "true", className: "molsys-ai-offscreen" });
    area.value = text;
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (err) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }

  /* Block Markdown → a fragment: fenced code, bullet / numbered lists, headings (as
   * bold paragraphs), paragraphs. An unclosed fence (while streaming) is still code. */
  function renderMarkdown(markdown, sources) {
    var fragment = document.createDocumentFragment();
    var lines = String(markdown || "").replace(/\r\n?/g, "\n").split("\n");
    var paragraph = [];
    var list = null;

    function flushParagraph() {
      if (paragraph.length) fragment.appendChild(el("p", null, renderInline(paragraph.join("\n"), sources)));
      paragraph = [];
    }
    function flushList() {
      if (list) fragment.appendChild(list);
      list = null;
    }

    for (var i = 0; i < lines.length; i++) {
      var line = lines[i];
      var fence = /^\s*(```+|~~~+)\s*([\w+.-]*)\s*$/.exec(line);
      if (fence) {
        flushParagraph();
        flushList();
        var body = [];
        for (i = i + 1; i < lines.length; i++) {
          if (lines[i].trim().indexOf(fence[1]) === 0 && lines[i].trim().replace(/[`~]/g, "") === "") break;
          body.push(lines[i]);
        }
        fragment.appendChild(codeBlock(body.join("\n"), fence[2]));
        continue;
      }
      var bullet = /^\s*(?:[-*+]|(\d{1,3})[.)])\s+(.*)$/.exec(line);
      if (bullet) {
        flushParagraph();
        var ordered = bullet[1] !== undefined;
        if (!list || (list.tagName === "OL") !== ordered) {
          flushList();
          list = el(ordered ? "ol" : "ul");
          if (ordered && bullet[1] !== "1") list.setAttribute("start", bullet[1]);
        }
        list.appendChild(el("li", null, renderInline(bullet[2], sources)));
        continue;
      }
      if (!line.trim()) {
        flushParagraph();
        flushList();
        continue;
      }
      var heading = /^\s*#{1,6}\s+(.*)$/.exec(line);
      if (heading) {
        flushParagraph();
        flushList();
        fragment.appendChild(el("p", { className: "molsys-ai-heading" }, [el("strong", null, renderInline(heading[1], sources))]));
        continue;
      }
      flushList();
      paragraph.push(line);
    }
    flushParagraph();
    flushList();
    return fragment;
  }

  /* The answer's text without the plain "Sources:" list some servers append (the
   * widget shows the sources as links below). */
  function answerBody(text) {
    return String(text || "").split(/\n+Sources:\s*\n/)[0];
  }

  // ------------------------------------------------------------------ Server-Sent Events

  function SSEParser(onEvent) {
    this.buffer = "";
    this.onEvent = onEvent;
  }
  SSEParser.prototype.push = function (chunk) {
    this.buffer += chunk.replace(/\r\n?/g, "\n");
    var index;
    while ((index = this.buffer.indexOf("\n\n")) !== -1) {
      var block = this.buffer.slice(0, index);
      this.buffer = this.buffer.slice(index + 2);
      this.dispatch(block);
    }
  };
  SSEParser.prototype.finish = function () {
    if (this.buffer.trim()) this.dispatch(this.buffer);
    this.buffer = "";
  };
  SSEParser.prototype.dispatch = function (block) {
    var name = "message";
    var data = [];
    block.split("\n").forEach(function (line) {
      if (!line || line.charAt(0) === ":") return;
      var colon = line.indexOf(":");
      var key = colon === -1 ? line : line.slice(0, colon);
      var value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (key === "event") name = value;
      else if (key === "data") data.push(value);
    });
    if (!data.length && name === "message") return;
    var text = data.join("\n");
    var payload = text;
    try { payload = text ? JSON.parse(text) : {}; } catch (err) { payload = text; }
    this.onEvent(name, payload);
  };

  // ------------------------------------------------------------------ errors in words

  function ChatError(message, hint, kind, retryAfter) {
    this.message = message;
    this.hint = hint || "";
    this.kind = kind || "error";
    this.retryAfter = retryAfter;
  }

  function errorFromResponse(response, apiUrl) {
    return response.text().then(function (text) {
      var body = {};
      try { body = JSON.parse(text) || {}; } catch (err) { body = {}; }
      var message = body.message || body.detail;
      var hint = body.hint || "";
      if (response.status === 429) {
        var retry = parseRetryAfter(response.headers.get("Retry-After"));
        if (retry === null && body.retry_after !== undefined) retry = Number(body.retry_after);
        return new ChatError("Too many questions right now.",
          retry !== null && !isNaN(retry) ? "Try again in " + Math.ceil(retry) + " s." : "Try again in a minute.",
          "rate_limited", retry);
      }
      if (response.status === 503) {
        return new ChatError("The assistant cannot answer right now" + (message ? ": " + message : "."),
          hint || "It may still be starting up. Try again shortly.", body.kind || "unavailable");
      }
      return new ChatError(message || ("The server at " + apiUrl + " answered HTTP " + response.status + "."),
        hint, body.kind || "http");
    });
  }

  function parseRetryAfter(value) {
    if (!value) return null;
    var seconds = Number(value);
    if (!isNaN(seconds)) return Math.max(0, seconds);
    var when = Date.parse(value);
    return isNaN(when) ? null : Math.max(0, (when - Date.now()) / 1000);
  }

  // ------------------------------------------------------------------ the widget

  function Widget(config) {
    this.config = config;
    this.apiUrl = String(config.apiUrl).replace(/\/+$/, "");
    this.busy = false;
    this.controller = null;
    this.turns = this.load();
    this.build();
  }

  Widget.prototype.load = function () {
    try {
      var saved = JSON.parse(window.sessionStorage.getItem(STORE_KEY) || "null");
      if (saved && saved.apiUrl === this.config.apiUrl && Array.isArray(saved.turns)) return saved.turns;
    } catch (err) { /* storage disabled: start empty */ }
    return [];
  };

  Widget.prototype.save = function () {
    try {
      window.sessionStorage.setItem(STORE_KEY, JSON.stringify({ apiUrl: this.config.apiUrl, turns: this.turns.slice(-20) }));
    } catch (err) { /* storage full or disabled: history is kept for this page only */ }
  };

  Widget.prototype.build = function () {
    var self = this;
    var title = this.config.title || "Ask MolSys-AI";
    this.toggle = el("button", {
      type: "button", className: "molsys-ai-toggle", "aria-expanded": "false", "aria-controls": "molsys-ai-panel",
      "aria-label": "Open the chat: " + title, title: title,
      onclick: function () { self.isOpen() ? self.close() : self.open(); },
    }, [el("span", { className: "molsys-ai-toggle-icon", "aria-hidden": "true", text: "?" }),
        el("span", { className: "molsys-ai-toggle-label", text: title })]);

    this.log = el("div", { className: "molsys-ai-log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
                           tabindex: "0", "aria-label": "Conversation" });
    this.status = el("div", { className: "molsys-ai-status", role: "status", "aria-live": "polite" });
    this.input = el("textarea", {
      className: "molsys-ai-input", rows: "2", id: "molsys-ai-input", maxlength: "2000",
      placeholder: "Ask about the MolSysSuite libraries…", "aria-label": "Your question",
      onkeydown: function (event) {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          self.send();
        }
      },
    });
    this.sendButton = el("button", { type: "submit", className: "molsys-ai-send", text: "Ask" });
    this.stopButton = el("button", { type: "button", className: "molsys-ai-stop", text: "Stop", hidden: true,
                                     onclick: function () { self.stop(); } });
    var form = el("form", { className: "molsys-ai-form", onsubmit: function (event) { event.preventDefault(); self.send(); } },
      [this.input, el("div", { className: "molsys-ai-actions" }, [this.sendButton, this.stopButton])]);
    var closeButton = el("button", { type: "button", className: "molsys-ai-close", "aria-label": "Close the chat",
                                     title: "Close (Esc)", text: "×", onclick: function () { self.close(); } });
    var clearButton = el("button", { type: "button", className: "molsys-ai-clear", text: "Clear",
                                     "aria-label": "Clear the conversation", onclick: function () { self.clear(); } });
    this.panel = el("section", {
      id: "molsys-ai-panel", className: "molsys-ai-panel", role: "dialog", "aria-modal": "false",
      "aria-labelledby": "molsys-ai-title", hidden: true,
      onkeydown: function (event) {
        if (event.key === "Escape") {
          event.stopPropagation();
          self.close();
        }
      },
    }, [
      el("header", { className: "molsys-ai-header" }, [
        el("h2", { id: "molsys-ai-title", className: "molsys-ai-title", text: title }), clearButton, closeButton]),
      el("p", { className: "molsys-ai-disclaimer", text: this.config.disclaimer || "" }),
      this.log, this.status, form,
    ]);
    var root = el("div", { className: "molsys-ai-root", "data-api-url": this.apiUrl }, [this.panel, this.toggle]);
    document.body.appendChild(root);
    this.turns.forEach(function (turn) { self.renderTurn(turn); });
    if (!this.turns.length) this.showWelcome();
  };

  Widget.prototype.showWelcome = function () {
    this.log.appendChild(el("p", { className: "molsys-ai-welcome",
      text: "Ask a question about MolSysMT, MolSysViewer, PyUnitWizard or TopoMT. Answers cite the documentation pages they come from." }));
  };

  Widget.prototype.isOpen = function () { return !this.panel.hidden; };

  Widget.prototype.open = function () {
    this.panel.hidden = false;
    this.toggle.setAttribute("aria-expanded", "true");
    this.toggle.classList.add("molsys-ai-open");
    this.input.focus();
    this.log.scrollTop = this.log.scrollHeight;
  };

  Widget.prototype.close = function () {
    this.panel.hidden = true;
    this.toggle.setAttribute("aria-expanded", "false");
    this.toggle.classList.remove("molsys-ai-open");
    this.toggle.focus();
  };

  Widget.prototype.clear = function () {
    this.stop();
    this.turns = [];
    this.save();
    this.log.textContent = "";
    this.showWelcome();
    this.input.focus();
  };

  Widget.prototype.setBusy = function (busy) {
    this.busy = busy;
    this.sendButton.disabled = busy || Boolean(this.waiting);
    this.stopButton.hidden = !busy;
    this.panel.setAttribute("aria-busy", busy ? "true" : "false");
  };

  Widget.prototype.history = function () {
    var messages = [];
    this.turns.slice(-MAX_HISTORY_TURNS).forEach(function (turn) {
      if (!turn.answer) return;
      messages.push({ role: "user", content: turn.question });
      messages.push({ role: "assistant", content: answerBody(turn.answer.text) });
    });
    return messages;
  };

  Widget.prototype.renderTurn = function (turn) {
    var welcome = this.log.querySelector(".molsys-ai-welcome");
    if (welcome) welcome.remove();
    var question = el("div", { className: "molsys-ai-msg molsys-ai-question" }, [
      el("span", { className: "molsys-ai-visually-hidden", text: "You asked: " }), turn.question]);
    var answer = el("div", { className: "molsys-ai-msg molsys-ai-answer" });
    this.log.appendChild(question);
    this.log.appendChild(answer);
    if (turn.answer) this.showAnswer(answer, turn);
    else if (turn.error) this.showError(answer, turn.error);
    return answer;
  };

  Widget.prototype.showAnswer = function (box, turn) {
    var self = this;
    var data = turn.answer;
    var sources = Array.isArray(data.sources) ? data.sources : [];
    box.textContent = "";
    box.classList.remove("molsys-ai-streaming");
    var body = el("div", { className: "molsys-ai-markdown" });
    body.appendChild(renderMarkdown(answerBody(data.text), sources));
    box.appendChild(body);
    var linked = sources.filter(function (s) { return safeUrl(s.url); });
    if (linked.length) {
      var list = el("ol", { className: "molsys-ai-sources" });
      linked.forEach(function (source) {
        var item = el("li", { value: String(source.number) }, [
          el("a", { href: safeUrl(source.url), target: "_blank", rel: "noopener noreferrer", text: source.title || source.url })]);
        list.appendChild(item);
      });
      box.appendChild(el("div", { className: "molsys-ai-sources-wrap" }, [
        el("p", { className: "molsys-ai-sources-title", text: "Sources" }), list]));
    }
    if (data.id) {
      var note = el("span", { className: "molsys-ai-feedback-note", role: "status", "aria-live": "polite",
                              text: turn.rating ? "Thanks for the feedback." : "" });
      var up = el("button", { type: "button", className: "molsys-ai-rate molsys-ai-up", "aria-label": "Helpful answer",
                              title: "Helpful", "aria-pressed": turn.rating === "up" ? "true" : "false",
                              onclick: function () { self.rate(turn, "up", up, down, note); } }, [icon(THUMB_UP)]);
      var down = el("button", { type: "button", className: "molsys-ai-rate molsys-ai-down", "aria-label": "Unhelpful answer",
                                title: "Not helpful", "aria-pressed": turn.rating === "down" ? "true" : "false",
                                onclick: function () { self.rate(turn, "down", up, down, note); } }, [icon(THUMB_DOWN)]);
      box.appendChild(el("div", { className: "molsys-ai-feedback" }, [up, down, note]));
    }
  };

  Widget.prototype.showError = function (box, error) {
    box.textContent = "";
    box.classList.remove("molsys-ai-streaming");
    box.classList.add("molsys-ai-error");
    box.setAttribute("role", "alert");
    box.appendChild(el("p", null, [el("strong", { text: error.message })]));
    if (error.hint) box.appendChild(el("p", { className: "molsys-ai-hint", text: error.hint }));
  };

  Widget.prototype.rate = function (turn, rating, up, down, note) {
    var self = this;
    up.disabled = down.disabled = true;
    note.textContent = "Sending…";
    fetch(this.apiUrl + "/v1/feedback", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ answer_id: turn.answer.id, rating: rating, question: turn.question, page_url: window.location.href }),
    }).then(function (response) {
      if (!response.ok) return errorFromResponse(response, self.apiUrl).then(function (err) { throw err; });
      turn.rating = rating;
      self.save();
      up.setAttribute("aria-pressed", rating === "up" ? "true" : "false");
      down.setAttribute("aria-pressed", rating === "down" ? "true" : "false");
      note.textContent = "Thanks for the feedback.";
    }).catch(function (err) {
      note.textContent = err instanceof ChatError ? "Feedback not sent: " + err.message + " " + err.hint
        : "Feedback not sent: cannot reach the server.";
    }).then(function () {
      up.disabled = down.disabled = false;
    });
  };

  Widget.prototype.stop = function () {
    if (this.controller) this.controller.abort();
  };

  Widget.prototype.send = function () {
    var self = this;
    var question = this.input.value.trim();
    if (!question || this.busy) return;
    this.input.value = "";
    var turn = { question: question };
    var history = this.history();
    this.turns.push(turn);
    var box = this.renderTurn(turn);
    box.classList.add("molsys-ai-streaming");
    box.appendChild(el("p", { className: "molsys-ai-pending", text: "Searching the documentation…" }));
    this.log.scrollTop = this.log.scrollHeight;
    this.setBusy(true);
    this.status.textContent = "Answering…";
    var streamed = "";
    var live = null;
    var controller = typeof AbortController !== "undefined" ? new AbortController() : null;
    this.controller = controller;

    var body = { question: question, stream: true };
    if (history.length) body.history = history;
    if (this.config.project) body.project = this.config.project;
    if (this.config.k) body.k = this.config.k;

    function onEvent(name, data) {
      if (name === "token" && data && typeof data.text === "string") {
        streamed += data.text;
        if (!live) {
          box.textContent = "";
          live = el("div", { className: "molsys-ai-markdown molsys-ai-live" });
          box.appendChild(live);
        }
        live.textContent = "";
        live.appendChild(renderMarkdown(streamed, []));
        self.log.scrollTop = self.log.scrollHeight;
      } else if (name === "answer" && data && typeof data.text === "string") {
        turn.answer = data;
      } else if (name === "error") {
        throw new ChatError((data && data.message) || "The assistant failed to answer.", data && data.hint,
                            (data && data.kind) || "error");
      }
    }

    fetch(this.apiUrl + "/v1/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "text/event-stream" },
      body: JSON.stringify(body),
      signal: controller ? controller.signal : undefined,
    }).catch(function (err) {
      if (err && err.name === "AbortError") throw err;
      throw new ChatError("Cannot reach the MolSys-AI server at " + self.apiUrl + ".",
        "It may be down or unreachable from this network. Try again later.", "unreachable");
    }).then(function (response) {
      if (!response.ok) return errorFromResponse(response, self.apiUrl).then(function (err) { throw err; });
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("text/event-stream") === -1) {
        return response.json().then(function (data) { onEvent("answer", data); });
      }
      var parser = new SSEParser(onEvent);
      if (!response.body || !response.body.getReader) {
        return response.text().then(function (text) { parser.push(text); parser.finish(); });
      }
      var reader = response.body.getReader();
      var decoder = new TextDecoder();
      function pump() {
        return reader.read().then(function (step) {
          if (step.done) {
            parser.push(decoder.decode());
            parser.finish();
            return;
          }
          parser.push(decoder.decode(step.value, { stream: true }));
          return pump();
        });
      }
      return pump();
    }).then(function () {
      if (!turn.answer) {
        throw new ChatError("The answer was cut off.", "The server closed the connection before it finished. Ask again.", "protocol");
      }
      self.showAnswer(box, turn);
      self.status.textContent = "Answer ready.";
    }).catch(function (err) {
      if (err && err.name === "AbortError") {
        turn.error = { message: "Stopped.", hint: streamed ? "The answer above was cut short." : "" };
        if (streamed) {
          box.classList.remove("molsys-ai-streaming");
          box.appendChild(el("p", { className: "molsys-ai-hint", text: "Stopped." }));
        } else {
          self.showError(box, turn.error);
        }
        self.status.textContent = "Stopped.";
        return;
      }
      var error = err instanceof ChatError ? err
        : new ChatError("Something went wrong while reading the answer.", String(err && err.message || err), "client");
      turn.error = { message: error.message, hint: error.hint, kind: error.kind };
      self.showError(box, turn.error);
      self.status.textContent = error.message;
      if (error.kind === "rate_limited" && error.retryAfter) self.waitBeforeSending(error.retryAfter);
    }).then(function () {
      self.controller = null;
      self.setBusy(false);
      self.save();
      self.log.scrollTop = self.log.scrollHeight;
      if (self.isOpen()) self.input.focus();
    });
  };

  /* After a 429: the Ask button stays disabled, with a countdown, until the server's
   * Retry-After has passed. */
  Widget.prototype.waitBeforeSending = function (seconds) {
    var self = this;
    var left = Math.ceil(seconds);
    self.waiting = true;
    self.sendButton.disabled = true;
    function tick() {
      if (left <= 0) {
        self.waiting = false;
        self.sendButton.disabled = false;
        self.sendButton.textContent = "Ask";
        return;
      }
      self.sendButton.textContent = "Ask (" + left + " s)";
      left -= 1;
      setTimeout(tick, 1000);
    }
    setTimeout(tick, 0);
  };

  function start() {
    var config = readConfig();
    if (!config || document.querySelector(".molsys-ai-root")) return;
    window.molsysAI = new Widget(config);
  }

  // exposed for tests and for pages that want to reuse the renderer
  window.MolsysAIChat = { renderMarkdown: renderMarkdown, SSEParser: SSEParser, start: start };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
