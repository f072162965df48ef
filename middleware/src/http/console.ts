/**
 * The admin console's files: one page, one script, one style sheet, served from this folder (no CDN, no inline
 * script, so helmet's Content-Security-Policy stays as it is). They hold no data: everything the console shows
 * comes from the admin API with the admin token.
 */
import path from 'node:path';
import { Router } from 'express';

const DIR = path.join(__dirname, 'console');
const FILES: Record<string, string> = {
  '/': 'index.html',
  '/console.js': 'console.js',
  '/console.css': 'console.css',
};

export function consoleRoutes(): Router {
  const router = Router();
  for (const [route, file] of Object.entries(FILES)) {
    router.get(route, (_req, res) => {
      res.set('Cache-Control', 'no-cache');
      res.sendFile(path.join(DIR, file));
    });
  }
  return router;
}
