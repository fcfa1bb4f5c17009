import { defineConfig } from "vite";

// In development (`npm run dev -w ui`) the page comes from Vite, so API calls are proxied to
// a running daemon: FRONTDESK_API=http://127.0.0.1:PORT (see `frontdesk ctl ui-url`).
// The daemon refuses cross-origin requests, so the proxy drops the browser's Origin header;
// the token is still required.
const api = process.env.FRONTDESK_API;

export default defineConfig({
  // Relative asset URLs work both from the daemon (http://127.0.0.1:PORT/) and from Tauri.
  base: "./",
  clearScreen: false,
  server: {
    port: 5173,
    strictPort: true,
    proxy: api
      ? {
          "/api": {
            target: api,
            ws: true,
            configure: (proxy) => {
              proxy.on("proxyReq", (req) => req.removeHeader("origin"));
              proxy.on("proxyReqWs", (req) => req.removeHeader("origin"));
            },
          },
        }
      : undefined,
  },
  build: {
    target: "es2022",
    outDir: "dist",
    emptyOutDir: true,
  },
});
