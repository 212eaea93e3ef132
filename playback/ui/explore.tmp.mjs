import { chromium } from 'playwright-core';
import fs from 'node:fs'; import os from 'node:os'; import path from 'node:path';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-'));
const BASE = process.env.URL || 'http://127.0.0.1:8788';
const ctx = await chromium.launchPersistentContext(dir, { executablePath: '/usr/bin/chromium', headless: true, timezoneId: process.env.TZID || 'Europe/Berlin', viewport: { width: 1280, height: 800 },
  args: ['--headless','--no-sandbox','--disable-gpu','--disable-quic','--no-first-run','--disable-background-networking','--disable-component-update','--disable-sync'] });
const page = ctx.pages()[0];
page.on('console', (m) => console.log('console', m.type(), m.text()));
page.on('pageerror', (e) => console.log('pageerror', e.message));
await page.goto(BASE + '/');
await page.fill('#token', process.env.TOKEN || 'devtoken');
await page.click('#login button');
await page.waitForSelector('#cameras li');
const steps = (process.env.STEPS || '').split(',');
for (const s of steps) {
  if (!s) continue;
  const i = s.indexOf('='); const cmd = i < 0 ? s : s.slice(0, i); const arg = s.slice(i + 1);
  if (cmd === 'goto') await page.goto(BASE + '/' + decodeURIComponent(arg));
  if (cmd === 'click') await page.click(arg);
  if (cmd === 'key') await page.keyboard.press(arg);
  if (cmd === 'wait') await page.waitForTimeout(Number(arg));
  if (cmd === 'shot') await page.screenshot({ path: `/tmp/shots/${arg}.png` });
  if (cmd === 'phone') await page.setViewportSize({ width: 390, height: 844 });
  if (cmd === 'shiftdrag') { const r = await page.locator('#timeline').boundingBox(); const [a,b] = arg.split(':').map(Number);
    await page.keyboard.down('Shift'); await page.mouse.move(r.x + r.width*a, r.y+20); await page.mouse.down(); await page.mouse.move(r.x + r.width*b, r.y+20, {steps: 5}); await page.mouse.up(); await page.keyboard.up('Shift'); }
  if (cmd === 'eval') console.log(await page.evaluate(arg));
}
await ctx.close();
