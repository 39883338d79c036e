// @ts-check
// The labels the server puts in every page (server/patient_web/rendering.py: a JSON data block,
// <script type="application/json" id="labels">), read once: profession names and the professions
// whose members are called « Dr ». The lists live in contracts/professions.py and the server, never
// in a copy here.

/**
 * @typedef {object} Labels
 * @property {Record<string, string>} professions  profession code → French label
 * @property {string[]} doctors  profession codes named « Dr » (doctors and dentists)
 */

/** @type {Labels | null} */
let labels = null;

/** @returns {Labels} */
function read() {
  if (labels) return labels;
  const block = document.getElementById("labels");
  if (!block || !block.textContent) throw new Error("Page incomplète : les libellés (#labels) manquent.");
  labels = /** @type {Labels} */ (JSON.parse(block.textContent));
  return labels;
}

/**
 * « Médecin généraliste »; "" for an unknown or missing code.
 * @param {string | null | undefined} code
 */
export function professionLabel(code) {
  return (code && read().professions[code]) || "";
}

/**
 * « Dr Claire Martin » for doctors and dentists, « Claire Martin » otherwise (as the server's
 * `display_name`, for the API shapes that carry only the names and the profession).
 * @param {{first_name: string, last_name: string, profession?: string | null}} person
 */
export function practitionerName(person) {
  const name = `${person.first_name} ${person.last_name}`;
  return person.profession && read().doctors.includes(person.profession) ? `Dr ${name}` : name;
}
