/** `npm run build:web`: builds the dashboard into web/dist unless it is current (see lib/app/bundle.ts). */
import { ensureWebBundle, WEB_DIST } from "../lib/app/bundle";

const built = ensureWebBundle((m) => console.log(m));
console.log(built ? `dashboard built in ${WEB_DIST}` : `dashboard in ${WEB_DIST} is current`);
