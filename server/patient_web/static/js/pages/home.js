// @ts-check
// Home: signed-in patients go straight to their conversations.
import { initLayout } from "../layout.js";
import { getSession } from "../session.js";

if (getSession()) location.replace("/conversations");
initLayout();
