import t from 'tap';
import { changedRecords } from '../src/evaluation/tau/changed-records.js';
import { TauEnvironment } from '../src/evaluation/tau/environment.js';
import { domainData } from './helpers/tau.js';

const data = await domainData('airline');

function call(name: string, args: Record<string, unknown>, env = new TauEnvironment(data)) {
  const outcome = env.callTool(name, args);
  return { ...outcome, env, changed: changedRecords(data.db, env.db) };
}

const NOTHING = { flights: [], reservations: [], users: [] };

/** Mia Li's one-way JFK→SEA economy trip of task 0: 152 + 103 = 255. */
const MIA_TRIP = {
  user_id: 'mia_li_3668',
  origin: 'JFK',
  destination: 'SEA',
  flight_type: 'one_way',
  cabin: 'economy',
  flights: [
    { flight_number: 'HAT136', date: '2024-05-20' },
    { flight_number: 'HAT039', date: '2024-05-20' },
  ],
  passengers: [{ first_name: 'Mia', last_name: 'Li', dob: '1990-04-05' }],
  payment_methods: [
    { payment_id: 'certificate_7504069', amount: 250 },
    { payment_id: 'credit_card_4421486', amount: 5 },
  ],
  total_baggages: 3,
  nonfree_baggages: 0,
  insurance: 'no',
};

t.test('book: prices the segments, uses a certificate up whole, and keeps seats as they were', async (t) => {
  const { env, changed, observation, error } = call('book_reservation', MIA_TRIP);
  t.equal(error, false, observation);
  const reservation = env.db.reservations!.HATHAT;
  t.same(reservation.flights, [
    { flight_number: 'HAT136', date: '2024-05-20', price: 152, origin: 'JFK', destination: 'ATL' },
    { flight_number: 'HAT039', date: '2024-05-20', price: 103, origin: 'ATL', destination: 'SEA' },
  ]);
  t.same(reservation.payment_history, MIA_TRIP.payment_methods);
  t.equal(reservation.created_at, '2024-05-15T15:00:00');
  t.notOk('status' in reservation);
  const user = env.db.users!.mia_li_3668;
  t.notOk('certificate_7504069' in user.payment_methods, 'a used certificate is gone');
  t.ok('certificate_4856383' in user.payment_methods, 'the other one stays');
  t.equal(user.reservations.at(-1), 'HATHAT');
  t.same(changed, { flights: [], reservations: ['HATHAT'], users: ['mia_li_3668'] }, 'upstream never decrements seats');
  t.same(JSON.parse(observation), reservation);

  const again = call('book_reservation', { ...MIA_TRIP, payment_methods: [{ payment_id: 'credit_card_4421486', amount: 255 }] }, env);
  t.equal(JSON.parse(again.observation).reservation_id, 'HATHAU', 'the second booking of a trial');
  t.equal(call('book_reservation', MIA_TRIP, env).observation, 'Error: payment method certificate_7504069 not found');
});

t.test('book: gift cards are debited (to zero, kept), and every refusal is upstream text', async (t) => {
  const trip = {
    ...MIA_TRIP,
    user_id: 'mia_kim_4397',
    flight_type: 'round_trip',
    cabin: 'basic_economy',
    flights: [
      { flight_number: 'HAT069', date: '2024-05-20' },
      { flight_number: 'HAT276', date: '2024-05-25' },
    ],
    passengers: [{ first_name: 'Mia', last_name: 'Kim', dob: '1965-06-09' }],
    payment_methods: [
      { payment_id: 'gift_card_7359776', amount: 39 },
      { payment_id: 'gift_card_7773485', amount: 67 },
    ],
  };
  const { env } = call('book_reservation', trip);
  t.same(env.db.users!.mia_kim_4397.payment_methods.gift_card_7359776, { amount: 0, id: 'gift_card_7359776', source: 'gift_card' });
  t.equal(env.db.users!.mia_kim_4397.payment_methods.gift_card_7773485.amount, 136);

  const refusals: [Record<string, unknown>, string][] = [
    [{ user_id: 'nobody_1' }, 'Error: user not found'],
    [{ payment_methods: [{ payment_id: 'gift_card_7359776', amount: 106 }] }, 'Error: not enough balance in payment method gift_card_7359776'],
    [{ payment_methods: [{ payment_id: 'gift_card_7773485', amount: 100 }] }, 'Error: payment amount does not add up, total price is 106, but paid 100'],
    [{ insurance: 'yes', nonfree_baggages: 1, payment_methods: [{ payment_id: 'gift_card_7773485', amount: 106 }] }, 'Error: payment amount does not add up, total price is 186, but paid 106'],
    [{ payment_methods: [{ payment_id: 'credit_card_0', amount: 106 }] }, 'Error: payment method credit_card_0 not found'],
    [{ flights: [{ flight_number: 'HAT999', date: '2024-05-20' }] }, 'Error: flight HAT999 not found'],
    [{ flights: [{ flight_number: 'HAT069', date: '2024-06-01' }] }, 'Error: flight HAT069 not found on date 2024-06-01'],
    [{ flights: [{ flight_number: 'HAT136', date: '2024-05-15' }] }, 'Error: flight HAT136 not available on date 2024-05-15'],
    [{ cabin: 'business', flights: [{ flight_number: 'HAT002', date: '2024-05-25' }] }, 'Error: not enough seats on flight HAT002'],
    [{ cabin: 'first' }, "Error: 'first'"],
  ];
  for (const [override, expected] of refusals) {
    const refused = call('book_reservation', { ...trip, ...override });
    t.equal(refused.observation, expected, JSON.stringify(override));
    t.same(refused.changed, NOTHING);
  }
});

t.test('cabin change: re-priced at the new cabin, difference refunded to a gift card; the cabin field stays', async (t) => {
  const flights = [
    { flight_number: 'HAT028', date: '2024-05-21' },
    { flight_number: 'HAT277', date: '2024-05-21' },
  ];
  const card = call('update_reservation_flights', { reservation_id: 'JG7FMM', cabin: 'economy', flights, payment_id: 'credit_card_2929732' });
  const reservation = card.env.db.reservations!.JG7FMM;
  t.same(
    reservation.flights.map((f: { price: number }) => f.price),
    [140, 101],
  );
  t.same(reservation.payment_history.at(-1), { payment_id: 'credit_card_2929732', amount: (140 + 101 - 1859 - 1679) * 2 });
  t.equal(reservation.cabin, 'business', "upstream re-prices for the new cabin but never stores it");
  t.same(card.changed, { flights: [], reservations: ['JG7FMM'], users: [] });

  const gift = call('update_reservation_flights', { reservation_id: 'JG7FMM', cabin: 'economy', flights, payment_id: 'gift_card_3481935' });
  t.equal(gift.env.db.users!.omar_davis_3817.payment_methods.gift_card_3481935.amount, 22 + 6594);
  t.same(gift.changed, { flights: [], reservations: ['JG7FMM'], users: ['omar_davis_3817'] });

  const kept = call('update_reservation_flights', { reservation_id: 'JG7FMM', cabin: 'business', flights, payment_id: 'credit_card_2929732' });
  t.same(kept.env.db.reservations!.JG7FMM.payment_history, data.db.reservations!.JG7FMM.payment_history, 'unchanged segments in the same cabin cost nothing');

  t.equal(call('update_reservation_flights', { reservation_id: 'JG7FMM', cabin: 'economy', flights, payment_id: 'certificate_1' }).observation, 'Error: payment method not found');
  const lq940q = (data.db.reservations!.LQ940Q.flights as { flight_number: string; date: string }[]).map(({ flight_number, date }) => ({ flight_number, date }));
  const upgrade = call('update_reservation_flights', { reservation_id: 'LQ940Q', cabin: 'business', flights: lq940q, payment_id: 'gift_card_6847880' });
  t.equal(upgrade.observation, 'Error: gift card balance is not enough');
  t.same(upgrade.changed, NOTHING);
});

t.test('certificates cannot pay for changes; bags are charged 50 each above the reservation\'s', async (t) => {
  const mia = data.db.users!.mia_li_3668;
  const reservationId = mia.reservations[0] as string;
  const reservation = data.db.reservations![reservationId];
  t.equal(call('update_reservation_baggages', { reservation_id: reservationId, total_baggages: 5, nonfree_baggages: 2, payment_id: 'certificate_7504069' }).observation, 'Error: certificate cannot be used to update reservation');
  const bags = call('update_reservation_baggages', { reservation_id: reservationId, total_baggages: reservation.total_baggages + 2, nonfree_baggages: reservation.nonfree_baggages + 2, payment_id: 'credit_card_4421486' });
  const updated = bags.env.db.reservations![reservationId];
  t.same(updated.payment_history.at(-1), { payment_id: 'credit_card_4421486', amount: 100 });
  t.equal(updated.nonfree_baggages, reservation.nonfree_baggages + 2);
  const fewer = call('update_reservation_baggages', { reservation_id: reservationId, total_baggages: 0, nonfree_baggages: 0, payment_id: 'credit_card_4421486' });
  t.same(fewer.env.db.reservations![reservationId].payment_history, reservation.payment_history, 'nothing to pay, nothing recorded');
  t.equal(call('update_reservation_baggages', { reservation_id: 'NOPE00', total_baggages: 1, nonfree_baggages: 0, payment_id: 'x' }).observation, 'Error: reservation not found');
});

t.test('cancel appends the negated payments and the status; refunds reach no balance', async (t) => {
  const { env, changed } = call('cancel_reservation', { reservation_id: '2FBBAH' });
  const reservation = env.db.reservations!['2FBBAH'];
  const paid = data.db.reservations!['2FBBAH'].payment_history as { payment_id: string; amount: number }[];
  t.same(reservation.payment_history, [...paid, ...paid.map((p) => ({ payment_id: p.payment_id, amount: -p.amount }))]);
  t.equal(reservation.status, 'cancelled');
  t.same(changed, { flights: [], reservations: ['2FBBAH'], users: [] });
  t.equal(call('get_reservation_details', { reservation_id: 'NOPE00' }).observation, 'Error: user not found', "upstream's text for an unknown reservation");
});

t.test('certificates: three fixed ids per user, then "Too many certificates"', async (t) => {
  const env = new TauEnvironment(data);
  const sent = [1, 2, 3, 4].map((i) => env.callTool('send_certificate', { user_id: 'omar_davis_3817', amount: 50 * i }));
  t.same(
    sent.map((s) => s.observation),
    [
      'Certificate certificate_3221322 added to user omar_davis_3817 with amount 50.',
      'Certificate certificate_3221323 added to user omar_davis_3817 with amount 100.',
      'Certificate certificate_3221324 added to user omar_davis_3817 with amount 150.',
      'Too many certificates',
    ],
  );
  t.equal(env.toolErrors, 1, 'the fourth counts as a failure');
  t.same(env.db.users!.omar_davis_3817.payment_methods.certificate_3221323, { source: 'certificate', amount: 100, id: 'certificate_3221323' });
});

t.test('passengers can be renamed but not added', async (t) => {
  const passengers = [
    { first_name: 'A', last_name: 'B', dob: '1990-01-01' },
    { first_name: 'C', last_name: 'D', dob: '1991-01-01' },
  ];
  t.same(call('update_reservation_passengers', { reservation_id: 'JG7FMM', passengers }).env.db.reservations!.JG7FMM.passengers, passengers);
  const more = call('update_reservation_passengers', { reservation_id: 'JG7FMM', passengers: [...passengers, passengers[0]] });
  t.equal(more.observation, 'Error: number of passengers does not match');
  t.same(more.changed, NOTHING);
});

t.test('searches over the database dates: only available flights; one-stop connections may land next day', async (t) => {
  const direct = JSON.parse(call('search_direct_flight', { origin: 'JFK', destination: 'SEA', date: '2024-05-20' }).observation);
  t.same(
    direct.map((f: { flight_number: string }) => f.flight_number),
    ['HAT069', 'HAT083'],
  );
  t.same(direct[0], { destination: 'SEA', flight_number: 'HAT069', origin: 'JFK', scheduled_arrival_time_est: '12:00:00', scheduled_departure_time_est: '06:00:00', ...data.db.flights!.HAT069.dates['2024-05-20'] });
  t.same(JSON.parse(call('search_direct_flight', { origin: 'JFK', destination: 'SEA', date: '2024-05-10' }).observation), [], 'flights of the past are not offered');

  const onestop = JSON.parse(call('search_onestop_flight', { origin: 'SFO', destination: 'JFK', date: '2024-05-17' }).observation) as { flight_number: string; date: string; prices: unknown }[][];
  const overnight = onestop.find(([first, second]) => first!.flight_number === 'HAT082' && second!.flight_number === 'HAT025')!;
  t.equal(overnight[1]!.date, '2024-05-18', 'HAT082 lands at 03:00+1, so the connection is the next day');
  t.same(overnight[1]!.prices, data.db.flights!.HAT025.dates['2024-05-17'].prices, "but upstream shows the connection's prices of the first flight's date");
  t.ok(onestop.every(([first, second]) => first!.date === '2024-05-17' && (second!.date === '2024-05-17' || second!.date === '2024-05-18')));

  const airports = JSON.parse(call('list_all_airports', {}).observation);
  t.equal(Object.keys(airports).length, 20);
  t.equal(airports.LGA, 'LaGuardia');
});
