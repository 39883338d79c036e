// @ts-check
// Help pages: static text; only the header depends on the session.
import { initLayout } from "../layout.js";

initLayout();
