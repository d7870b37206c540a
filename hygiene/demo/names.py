"""Given and family names per country for the sample data.

Hand-written because the project has no fake-data dependency: Faker is not a dependency of
the product, and its per-call API (about 20 us a value) would take minutes for a million
rows, whereas these pools are sampled with numpy in one call per column.
"""

from __future__ import annotations

_EN_FIRST = (
    "James", "Robert", "John", "Michael", "William", "David", "Richard", "Joseph", "Thomas",
    "Christopher", "Daniel", "Matthew", "Anthony", "Steven", "Andrew", "Joshua", "Kenneth",
    "Kevin", "Brian", "Timothy", "Ronald", "Jason", "Jeffrey", "Ryan", "Jacob", "Nicholas",
    "Jonathan", "Benjamin", "Samuel", "Gregory", "Alexander", "Patrick", "Edward", "Peter",
    "Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica",
    "Sarah", "Karen", "Margaret", "Emily", "Michelle", "Amanda", "Melissa", "Deborah",
    "Stephanie", "Rebecca", "Laura", "Katherine", "Christine", "Samantha", "Rachel",
    "Catherine", "Victoria", "Olivia", "Emma", "Sophia", "Hannah", "Abigail", "Megan",
    "Zoë", "Chloe", "Grace", "Lucy", "Charlotte", "Amelia", "Isabella",
)

_US_EXTRA_FIRST = (
    "Carlos", "Maria", "José", "Luis", "Sofia", "Diego", "Wei", "Mei", "Priya", "Raj",
    "Aaliyah", "Jamal", "DeShawn", "Keisha", "Hiroshi", "Yuki", "Minh", "Ana",
)

_EN_LAST = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
    "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris",
    "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott",
    "Hill", "Green", "Adams", "Baker", "Nelson", "Carter", "Mitchell", "Roberts", "Turner",
    "Phillips", "Campbell", "Parker", "Evans", "Edwards", "Collins", "Stewart", "Morris",
    "Murphy", "Cook", "Rogers", "Morgan", "Cooper", "Peterson", "Reed", "Bailey", "Kelly",
    "Howard", "Ward", "Cox", "Richardson", "Wood", "Watson", "Brooks", "Bennett", "Gray",
    "Hughes", "Price", "Sanders", "Myers", "Long", "Ross", "Foster", "Powell", "Jenkins",
    "Perry", "Russell", "Sullivan", "Bell", "Coleman", "Butler", "Henderson", "Barnes",
    "O'Brien", "O'Connor", "McDonald", "MacLeod", "Fitzgerald", "Kowalski", "Nguyen",
)

_US_EXTRA_LAST = (
    "Garcia", "Martinez", "Rodriguez", "Hernandez", "Lopez", "Gonzalez", "Perez", "Sanchez",
    "Ramirez", "Torres", "Flores", "Rivera", "Chen", "Wang", "Kim", "Patel", "Shah", "Tanaka",
)

_GB_EXTRA_LAST = (
    "Hughes", "Davies", "Jones", "Evans", "Thomas", "Roberts", "Wilkinson", "Holmes",
    "Chapman", "Fletcher", "Ashworth", "Pemberton", "Khan", "Ahmed", "Singh", "Begum",
)

_GB_EXTRA_FIRST = ("Oliver", "Harry", "George", "Alfie", "Poppy", "Isla", "Freya", "Imogen")

_DE_FIRST = (
    "Lukas", "Leon", "Maximilian", "Felix", "Jonas", "Paul", "Tobias", "Stefan", "Andreas",
    "Jürgen", "Klaus", "Wolfgang", "Michael", "Thomas", "Sebastian", "Matthias", "Florian",
    "Jan", "Uwe", "Dieter", "Anna", "Lena", "Laura", "Julia", "Katharina", "Sabine",
    "Petra", "Monika", "Ursula", "Birgit", "Claudia", "Susanne", "Sophie", "Marie",
    "Hannah", "Lea", "Jana", "Anja", "Sandra", "Nicole",
)

_DE_LAST = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
    "Schulz", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf",
    "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann",
    "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Meier", "Lehmann", "Schmid",
    "Schulze", "Maier", "Köhler", "Herrmann", "König", "Walter", "Mayer", "Huber", "Kaiser",
)

_FR_FIRST = (
    "Jean", "Pierre", "Michel", "Philippe", "Alain", "Nicolas", "Julien", "Thomas",
    "Antoine", "Maxime", "Hugo", "Louis", "Lucas", "Mathieu", "François", "Sébastien",
    "Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Camille", "Léa", "Manon",
    "Chloé", "Julie", "Céline", "Sandrine", "Émilie", "Aurélie", "Inès", "Claire",
)

_FR_LAST = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
    "Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David",
    "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "André", "Lefebvre",
    "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Legrand", "Garnier",
)

_NL_FIRST = (
    "Daan", "Sem", "Lucas", "Jesse", "Bram", "Thijs", "Ruben", "Pieter", "Jeroen", "Sander",
    "Joost", "Maarten", "Emma", "Julia", "Sanne", "Lotte", "Fleur", "Anouk", "Femke",
    "Eva", "Noor", "Lieke", "Marieke", "Ingrid",
)

_NL_LAST = (
    "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen",
    "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters",
    "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "van der Meer",
    "Kok",
)

_ES_FIRST = (
    "Antonio", "José", "Manuel", "Francisco", "David", "Javier", "Daniel", "Carlos",
    "Alejandro", "Pablo", "Sergio", "Jorge", "María", "Carmen", "Ana", "Laura", "Lucía",
    "Marta", "Elena", "Cristina", "Paula", "Sara", "Isabel", "Raquel",
)

_ES_LAST = (
    "García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez", "Pérez",
    "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz",
    "Álvarez", "Romero", "Alonso", "Gutiérrez", "Navarro", "Torres", "Domínguez", "Núñez",
)

_IN_FIRST = (
    "Aarav", "Vivaan", "Aditya", "Arjun", "Rohan", "Rahul", "Amit", "Vikram", "Sanjay",
    "Anil", "Suresh", "Rajesh", "Ananya", "Diya", "Priya", "Pooja", "Neha", "Sneha",
    "Kavya", "Divya", "Lakshmi", "Meera", "Anjali", "Shreya",
)

_IN_LAST = (
    "Sharma", "Verma", "Gupta", "Patel", "Singh", "Kumar", "Reddy", "Iyer", "Nair", "Rao",
    "Mehta", "Shah", "Joshi", "Desai", "Chopra", "Malhotra", "Kapoor", "Bhat", "Menon",
    "Pillai", "Agarwal", "Banerjee", "Chatterjee", "Mukherjee",
)

FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "US": _EN_FIRST + _US_EXTRA_FIRST,
    "GB": _EN_FIRST + _GB_EXTRA_FIRST,
    "CA": _EN_FIRST + ("Jean", "Marie", "François", "Chloé"),
    "AU": _EN_FIRST + ("Jack", "Harrison", "Mia", "Ruby"),
    "DE": _DE_FIRST,
    "FR": _FR_FIRST,
    "NL": _NL_FIRST,
    "ES": _ES_FIRST,
    "IN": _IN_FIRST,
}

LAST_NAMES: dict[str, tuple[str, ...]] = {
    "US": _EN_LAST + _US_EXTRA_LAST,
    "GB": _EN_LAST + _GB_EXTRA_LAST,
    "CA": _EN_LAST + ("Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier"),
    "AU": _EN_LAST + ("Nguyen", "Tran", "Papadopoulos", "Rossi"),
    "DE": _DE_LAST,
    "FR": _FR_LAST,
    "NL": _NL_LAST,
    "ES": _ES_LAST,
    "IN": _IN_LAST,
}

#: Sales reps who own contacts in the sample HubSpot portal.
OWNERS = (
    "Sarah Mitchell", "David Chen", "Emily Rodriguez", "Michael O'Neill", "Priya Raman",
    "James Whitaker", "Laura Becker", "Tom Hughes", "Ana Souza", "Kevin Park",
    "Rachel Goldberg", "Marcus Johnson",
)

#: Nicknames that people actually type into forms, to pick among the `nicknames` package's
#: candidates (it also lists rare historic forms such as "Dobbin" for Robert).
COMMON_NICKNAMES = frozenset(
    {
        "bob", "rob", "bobby", "bill", "will", "billy", "liz", "beth", "betty", "lizzie",
        "jim", "jimmy", "mike", "tom", "tommy", "dave", "kate", "katie", "kathy", "jen",
        "jenny", "chris", "matt", "dan", "danny", "sam", "alex", "nick", "tony", "joe",
        "steve", "rick", "ed", "eddie", "andy", "pat", "sue", "meg", "maggie", "ken", "greg",
        "jeff", "jon", "ben", "tim", "ron", "josh", "becky", "vicky", "abby", "debbie",
        "stephie", "pete", "manny", "paco", "pepe", "johnny", "jack", "peggy", "patty",
        "mandy", "missy", "cathy", "christy", "nate", "zach", "ryan", "barb", "steph",
        "jess", "jessie", "sally", "molly", "polly", "charlie", "lottie", "izzy", "bella",
    }
)
