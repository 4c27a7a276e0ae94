// A tap on every AudioContext's destination, independent of the code under test.
// Injected before any page script (Playwright add_init_script) by bench_latency.py.
//
// Every connection to a context's destination is routed through a pass-through bus;
// an AudioWorklet on the bus finds the first sample above the threshold after the tap
// was armed, and its context time is mapped to performance.now() with
// getOutputTimestamp(), i.e. when that sample leaves the speakers. Shift+Enter and
// Enter key presses and clicks are time-stamped in the capture phase.
(() => {
  const THRESHOLD = 1e-3;
  const worklet = `
    class Tap extends AudioWorkletProcessor {
      constructor() { super(); this.armed = false;
        this.port.onmessage = (e) => { this.armed = e.data === "arm"; }; }
      process(inputs) {
        const x = inputs[0] && inputs[0][0];
        if (this.armed && x) {
          for (let i = 0; i < x.length; i++) {
            if (Math.abs(x[i]) > ${THRESHOLD}) {
              this.armed = false;
              this.port.postMessage((currentFrame + i) / sampleRate);
              break;
            }
          }
        }
        return true;
      }
    }
    registerProcessor("cw-bench-tap", Tap);`;
  const url = URL.createObjectURL(new Blob([worklet], { type: "text/javascript" }));
  const taps = new Map(); // AudioContext -> {bus, node}
  const state = { press: null, audible: null, contexts: 0 };
  window.__benchTap = state;

  function busFor(ctx) {
    let tap = taps.get(ctx);
    if (tap) return tap.bus;
    const bus = ctx.createGain();
    originalConnect.call(bus, ctx.destination);
    tap = { bus, node: null };
    taps.set(ctx, tap);
    state.contexts += 1;
    ctx.audioWorklet.addModule(url).then(() => {
      const node = new AudioWorkletNode(ctx, "cw-bench-tap");
      node.port.onmessage = (e) => {
        const ts = ctx.getOutputTimestamp();
        state.audible = ts.performanceTime + (e.data - ts.contextTime) * 1000;
      };
      originalConnect.call(bus, node);
      tap.node = node;
      if (state.press !== null && state.audible === null) node.port.postMessage("arm");
    });
    return bus;
  }

  const originalConnect = AudioNode.prototype.connect;
  AudioNode.prototype.connect = function (destination, ...rest) {
    if (destination instanceof AudioDestinationNode) {
      return originalConnect.call(this, busFor(destination.context), ...rest);
    }
    return originalConnect.call(this, destination, ...rest);
  };

  const Original = window.AudioContext;
  window.AudioContext = class extends Original {
    constructor(...args) {
      super(...args);
      busFor(this); // every context is tapped from its creation
    }
  };

  function arm(t) {
    state.press = t;
    state.audible = null;
    for (const tap of taps.values()) tap.node?.port.postMessage("arm");
  }
  window.addEventListener(
    "keydown",
    (e) => {
      if (e.key === "Enter") arm(performance.now());
    },
    { capture: true },
  );
  window.__benchArm = () => arm(performance.now());
  window.__benchReady = () => [...taps.values()].every((t) => t.node !== null) && taps.size > 0;
})();
