/** The generated sample `clearance run` (and `npm start`) processes when no input is given. */
export const SAMPLE = { people: 10_000, seed: 2020 };
