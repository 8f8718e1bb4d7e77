import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// The UI is served by `kwb serve` from web/dist: hashed assets under /assets, index.html for
// every other non-API path. `npm run dev` proxies /api to a local `kwb serve` (default port).
export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 400 },
  server: { proxy: { "/api": process.env.KWB_API_URL ?? "http://127.0.0.1:8080" } },
  test: { environment: "node", include: ["src/**/*.test.ts"] },
});
